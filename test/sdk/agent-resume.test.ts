import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentClient, ParleyError } from '../../packages/sdk/src/index.js';
import { databaseTargets } from '../support/databases.js';
import { describeRequest, startSdkServer } from '../support/sdk.js';

type Fixture = Awaited<ReturnType<typeof startSdkServer>>;

/** A fetch that records every request's method and URL before passing it on. */
function recordingFetch() {
  const requests: { method: string; url: string }[] = [];
  const wrapped: typeof fetch = (input, init) => {
    const { method, url } = describeRequest(input, init);
    requests.push({ method, url });
    return fetch(input, init);
  };
  return { requests, fetch: wrapped };
}

/** The rejection's HTTP status, or a failure when it did not reject with a ParleyError. */
async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ParleyError, `a ParleyError, not ${String(error)}`);
    return error.status;
  }
  assert.fail('it resolved');
}

for (const target of await databaseTargets()) {
  describe(
    `an agent client resumes a saved login on ${target.name}`,
    { skip: target.unavailable, timeout: 120_000 },
    () => {
      let fixture: Fixture;

      before(async () => {
        fixture = await startSdkServer(target);
      });
      after(() => fixture.close());

      const liveSessionsOf = async (loginName: string) => {
        const { server, accountId } = fixture;
        const users = await server.store.users.list(accountId);
        const userId = users.find((user) => user.loginName === loginName)?.id;
        return (await server.store.agentSessions.listLive(accountId)).filter((session) => session.userId === userId);
      };

      it('goes on with the same agent session, without the credentials and without a second session', async () => {
        const { baseUrl, accountId } = fixture;
        const first = await AgentClient.login({ baseUrl, accountId, username: 'alice', password: 'alice-pass' });
        await first.setAvailability('Away');
        const saved = first.savedState();
        assert.equal(saved.accountId, accountId);
        assert.equal(saved.agentSessionId, first.agentSessionId);
        assert.ok(saved.bearer !== '' && saved.csrf !== '');
        // What a browser tab keeps: it must survive JSON.
        const restored = JSON.parse(JSON.stringify(saved)) as typeof saved;

        const recorded = recordingFetch();
        const resumed = await AgentClient.resume({ baseUrl, fetch: recorded.fetch, ...restored });
        try {
          assert.equal(resumed.agentSessionId, first.agentSessionId);
          assert.equal(resumed.userId, first.userId);
          assert.equal(await resumed.availability(), 'Away');
          await resumed.setAvailability('Online');
          assert.equal(await first.availability(), 'Online', 'one session, changed through either client');
          assert.deepEqual(
            recorded.requests.filter(
              (request) => request.method === 'POST' && /\/(login|agentSession\.json)\?/.test(request.url),
            ),
            [],
            'no login and no new agent session',
          );
          const live = await liveSessionsOf('alice');
          assert.equal(live.length, 1);
          assert.equal(resumed.savedState().agentSessionId, saved.agentSessionId);
        } finally {
          await resumed.logout();
        }
        assert.equal((await liveSessionsOf('alice')).length, 0, 'the logout ended the session');
      });

      it('fails with a 401 when the saved login has ended', async () => {
        const { baseUrl, accountId } = fixture;
        const client = await AgentClient.login({ baseUrl, accountId, username: 'alice', password: 'alice-pass' });
        const saved = client.savedState();
        await client.logout();
        assert.equal(await statusOf(AgentClient.resume({ baseUrl, ...saved })), 401);
      });

      it('fails with a 404, and opens no new session, when the saved agent session has ended', async () => {
        const { baseUrl, accountId } = fixture;
        const client = await AgentClient.login({ baseUrl, accountId, username: 'boss', password: 'boss-pass' });
        try {
          const saved = client.savedState();
          const ended = await fetch(
            `${baseUrl}/api/account/${accountId}/agentSession/${encodeURIComponent(saved.agentSessionId)}.json?v=1&NC=true`,
            { method: 'DELETE', headers: { authorization: `Bearer ${saved.bearer}` } },
          );
          assert.ok(ended.ok, `the session ended (${ended.status})`);
          const recorded = recordingFetch();
          assert.equal(await statusOf(AgentClient.resume({ baseUrl, fetch: recorded.fetch, ...saved })), 404);
          assert.equal(recorded.requests.filter((request) => /agentSession\.json\?/.test(request.url)).length, 0);
          assert.equal((await liveSessionsOf('boss')).length, 0);
        } finally {
          await client.logout();
        }
      });

      it('a resumed client whose login is refused later reports a 401 rather than logging in', async () => {
        const { baseUrl, accountId } = fixture;
        const client = await AgentClient.login({ baseUrl, accountId, username: 'alice', password: 'alice-pass' });
        const resumed = await AgentClient.resume({ baseUrl, ...client.savedState() });
        await client.logout();
        assert.equal(await statusOf(resumed.availability()), 401);
        await resumed.logout();
      });
    },
  );

  describe(`the presence option on ${target.name}`, { skip: target.unavailable, timeout: 120_000 }, () => {
    let fixture: Fixture;

    before(async () => {
      fixture = await startSdkServer(target);
    });
    after(() => fixture.close());

    const sessionStarts = (requests: { method: string; url: string }[]) =>
      requests.filter((request) => request.method === 'POST' && /\/agentSession\.json\?/.test(request.url));

    it('asks for a connection-bound agent session with presence: connection', async () => {
      const { baseUrl, accountId } = fixture;
      const recorded = recordingFetch();
      const client = await AgentClient.login({
        baseUrl,
        accountId,
        username: 'alice',
        password: 'alice-pass',
        presence: 'connection',
        fetch: recorded.fetch,
      });
      await client.logout();
      const starts = sessionStarts(recorded.requests);
      assert.equal(starts.length, 1);
      assert.equal(new URL(starts[0]!.url).searchParams.get('presence'), 'connection');
    });

    it('sends no presence parameter by default', async () => {
      const { baseUrl, accountId } = fixture;
      const recorded = recordingFetch();
      const client = await AgentClient.login({
        baseUrl,
        accountId,
        username: 'alice',
        password: 'alice-pass',
        fetch: recorded.fetch,
      });
      await client.logout();
      const starts = sessionStarts(recorded.requests);
      assert.equal(starts.length, 1);
      assert.equal(new URL(starts[0]!.url).searchParams.has('presence'), false);
    });
  });
}
