import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SkillInUseError } from '../../src/core/accounts/administration.js';
import { ManualClock } from '../../src/core/clock.js';
import { DEFAULT_INTERACTION_TIMEOUT_SECONDS } from '../../src/core/chats/chat-request.js';
import { AppError, ErrorCode } from '../../src/core/errors.js';
import { openStore, type OpenedStore } from '../../src/store/open-store.js';
import { databaseTargets } from '../support/databases.js';
import { createTestCore, type TestCore } from '../support/test-core.js';
import { accountSeed, applySeed } from '../support/test-server.js';

const client = { address: '203.0.113.7' };
const origin = { ip: '203.0.113.9', userAgent: 'test' };

const isAppError = (code: ErrorCode, message?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  if (message !== undefined) assert.match(error.message, message);
  return true;
};

for (const target of await databaseTargets()) {
  describe(`user and skill administration on ${target.name}`, { skip: target.unavailable, timeout: 300_000 }, () => {
    let opened: OpenedStore;
    let drop: () => Promise<void>;
    let core: TestCore;
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 9, 0, 0));

    before(async () => {
      const database = await target.create();
      drop = database.drop;
      opened = openStore(database.location, { poolSize: 2 });
      await opened.migrate();
      core = createTestCore(opened.store, clock);
    });
    after(async () => {
      await opened.store.close();
      await drop();
    });

    /** A seeded account (alice: Sales; boss: Support; echo-bot: both) with alice logged in and Online. */
    async function accountWithAlice() {
      const { accountId, seed } = accountSeed();
      await applySeed(core, seed);
      const login = await core.login.login(
        accountId,
        { kind: 'password', username: 'alice', password: 'alice-pass' },
        client,
      );
      const agentSession = await core.agents.sessions.start(accountId, {
        user: login.user,
        loginSessionId: login.session.id,
      });
      const startChat = async (skill: string) =>
        (
          await core.chats.start.start(
            accountId,
            {
              skill,
              preChatLines: [],
              interactionTimeout: DEFAULT_INTERACTION_TIMEOUT_SECONDS,
              echo: {},
              customVariables: [],
            },
            origin,
          )
        ).id;
      return { accountId, login, agentSession, startChat };
    }

    it('removes a user: its sessions end, its chat is handed on with its name kept, its login name is free', async () => {
      const { accountId, login, agentSession, startChat } = await accountWithAlice();
      const chatId = await startChat('Sales');
      const accepted = await core.agents.router.accept(accountId, agentSession, login.user);
      assert.equal(accepted.id, chatId);
      assert.equal(accepted.agentName, 'Alice');

      const { user, endedAgentSessions } = await core.administration.removeUser(accountId, 'ALICE');
      assert.equal(user.id, 2001);
      assert.equal(endedAgentSessions, 1);
      assert.equal((await opened.store.agentSessions.get(accountId, agentSession.id))?.endedAt, clock.now());
      assert.deepEqual(await opened.store.loginSessions.listForUser(accountId, 2001), []);
      await assert.rejects(
        core.sessions.authenticateBearer(accountId, login.tokens.bearer),
        isAppError(ErrorCode.SESSION_INVALID),
      );

      // Nobody else holds Sales: the chat ends (line 6); alice's lines and name stay in its history.
      const chat = await opened.store.chats.get(accountId, chatId);
      assert.equal(chat?.state, 'ended');
      assert.equal(chat?.agentName, 'Alice');
      const events = await opened.store.chats.events(accountId, chatId, 0);
      assert.ok(
        events.some((event) => event.type === 'line' && (event.text ?? '').includes('Alice')),
        'the "now chatting with Alice" line is kept',
      );

      // Gone from the list and from login; the row stays (marked deleted) and the name is free.
      assert.equal(
        (await core.administration.listUsers(accountId)).some((u) => u.loginName === 'alice'),
        false,
      );
      assert.equal((await opened.store.users.get(accountId, 2001))?.deleted, true);
      await assert.rejects(
        core.login.login(accountId, { kind: 'password', username: 'alice', password: 'alice-pass' }, client),
        isAppError(ErrorCode.CREDENTIALS_INVALID),
      );
      await assert.rejects(
        core.administration.removeUser(accountId, 'alice'),
        isAppError(ErrorCode.NOT_FOUND, /no user "alice"/),
      );
      await assert.rejects(core.administration.enableUser(accountId, 'alice'), isAppError(ErrorCode.NOT_FOUND));
      const again = await core.administration.addUser(accountId, {
        loginName: 'alice',
        password: 'new-alice',
        skills: ['Sales'],
        maxChats: 3,
        role: 'agent',
      });
      assert.notEqual(again.id, 2001);
    });

    it('sets a password (hashed), ending the sessions logged in with the old one', async () => {
      const { accountId, login, agentSession } = await accountWithAlice();
      const user = await core.administration.setPassword(accountId, 'alice', 'a-new-secret');
      assert.ok(user.passwordHash !== null && !user.passwordHash.includes('a-new-secret'));
      assert.equal((await opened.store.users.get(accountId, 2001))?.passwordHash, user.passwordHash);
      await assert.rejects(
        core.sessions.authenticateBearer(accountId, login.tokens.bearer),
        isAppError(ErrorCode.SESSION_INVALID),
      );
      assert.notEqual((await opened.store.agentSessions.get(accountId, agentSession.id))?.endedAt, null);

      await assert.rejects(
        core.login.login(accountId, { kind: 'password', username: 'alice', password: 'alice-pass' }, client),
        isAppError(ErrorCode.CREDENTIALS_INVALID),
      );
      const relogin = await core.login.login(
        accountId,
        { kind: 'password', username: 'alice', password: 'a-new-secret' },
        client,
      );
      assert.equal(relogin.user.id, 2001);
      await assert.rejects(core.administration.setPassword(accountId, 'alice', ''), isAppError(ErrorCode.VALIDATION));
      await assert.rejects(core.administration.setPassword(accountId, 'zed', 'x'), isAppError(ErrorCode.NOT_FOUND));
    });

    it('disables and enables a user again; the enabled user logs in', async () => {
      const { accountId, agentSession } = await accountWithAlice();
      assert.equal((await core.administration.disableUser(accountId, 'alice')).enabled, false);
      assert.notEqual((await opened.store.agentSessions.get(accountId, agentSession.id))?.endedAt, null);
      await assert.rejects(
        core.login.login(accountId, { kind: 'password', username: 'alice', password: 'alice-pass' }, client),
        isAppError(ErrorCode.USER_NOT_ALLOWED),
      );
      assert.equal((await core.administration.enableUser(accountId, 'alice')).enabled, true);
      // Enabling an enabled user changes nothing.
      assert.equal((await core.administration.enableUser(accountId, 'alice')).enabled, true);
      const login = await core.login.login(
        accountId,
        { kind: 'password', username: 'alice', password: 'alice-pass' },
        client,
      );
      assert.equal(login.user.id, 2001);
    });

    it('refuses to remove a skill with a chat under way, or that users have unless detached', async () => {
      const { accountId, login, agentSession, startChat } = await accountWithAlice();
      const chatId = await startChat('Sales');
      await assert.rejects(
        core.administration.removeSkill(accountId, 'Sales', { detach: true }),
        isAppError(ErrorCode.CONFLICT, /1 chat waiting or under way/),
      );
      await core.agents.router.accept(accountId, agentSession, login.user);
      await core.agents.chats.post(agentSession, chatId, { kind: 'end' });
      assert.equal((await opened.store.chats.get(accountId, chatId))?.state, 'ended');

      await assert.rejects(core.administration.removeSkill(accountId, 'Sales'), (error: unknown) => {
        assert.ok(error instanceof SkillInUseError, String(error));
        assert.deepEqual(error.users, ['alice', 'echo-bot']);
        return true;
      });
      assert.deepEqual(
        (await core.administration.listSkills(accountId)).map((skill) => skill.name),
        ['Sales', 'Support'],
      );

      const removal = await core.administration.removeSkill(accountId, 'sales', { detach: true });
      assert.deepEqual(removal.detachedFrom, ['alice', 'echo-bot']);
      assert.deepEqual(
        (await core.administration.listSkills(accountId)).map((skill) => skill.name),
        ['Support'],
      );
      const users = await core.administration.listUsers(accountId);
      assert.deepEqual(
        users.map((user) => [user.loginName, user.skillIds]),
        [
          ['alice', []],
          ['boss', [1002]],
          ['echo-bot', [1002]],
        ],
      );
      // The ended chat keeps its skill; the id is never given to a new skill.
      assert.equal((await opened.store.chats.get(accountId, chatId))?.skillName, 'Sales');
      assert.equal((await core.administration.addSkill(accountId, 'Sales')).id, 1003);
      await assert.rejects(
        core.administration.removeSkill(accountId, 'Billing'),
        isAppError(ErrorCode.NOT_FOUND, /no skill "Billing"/),
      );
    });
  });
}
