import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets } from '../support/databases.js';
import { send, type HttpResponse } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

/** A survey of one mandatory text question: enough to tell surveys apart by id and question. */
const survey = (id: number, questionId: number, label: string) => ({
  id,
  title: '',
  header: label,
  questions: {
    question: { id: questionId, order: 0, mandatory: true, validationType: 'alpha_numeric', type: 'Text Field', label },
  },
});

// The account's surveys are the default; Sales has its own pre-chat and exit surveys, Support its
// own offline survey (server-chat §3.4, §3.5, §3.16).
const accountSurveys = {
  preChat: survey(100, 10, 'Account pre-chat'),
  offline: survey(110, 11, 'Account offline'),
  exit: survey(120, 12, 'Account exit'),
};
const salesSurveys = { preChat: survey(200, 20, 'Sales pre-chat'), exit: survey(220, 22, 'Sales exit') };
const supportSurveys = { offline: survey(310, 31, 'Support offline') };

interface SurveyBody {
  survey: { id: string | number; header: string };
}
interface ErrorBody {
  error: { internalCode: number; message: string };
}

for (const target of await databaseTargets()) {
  describe(`surveys per skill over HTTP on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    const { accountId, seed } = accountSeed();
    const account = seed.accounts[0]!;
    const appKey = account.appKeys[0]!;
    Object.assign(account, {
      surveys: accountSurveys,
      skills: [
        { id: 1001, name: 'Sales', surveys: salesSurveys },
        { id: 1002, name: 'Support', surveys: supportSurveys },
        { id: 1003, name: 'Billing' },
      ],
    });
    const base = `/api/account/${accountId}`;

    before(async () => {
      server = await startTestServer(target);
      await applySeed(server.core, seed);
    });
    after(() => server.close());

    const call = (method: string, path: string, query = '', body?: unknown): Promise<HttpResponse> =>
      send(server.baseUrl, method, `${path}.json?v=1&NC=true&appKey=${appKey}${query}`, {
        ...(method === 'POST' && !path.endsWith('/request') ? { headers: { 'X-HTTP-Method-Override': 'PUT' } } : {}),
        ...(body === undefined ? {} : { body }),
      });
    /** The id of the survey a GET answered. */
    const surveyId = async (path: string, query = ''): Promise<string> => {
      const response = await call('GET', path, query);
      assert.equal(response.status, 200, response.text);
      return String((response.json() as SurveyBody).survey.id);
    };
    const startChat = async (request: Record<string, unknown>) => {
      const response = await call('POST', `${base}/chat/request`, '', { request });
      assert.equal(response.status, 201, response.text);
      return new URL(response.header('location') ?? '').pathname;
    };

    it('the pre-chat survey: the skill’s own by name, else the account’s', async () => {
      assert.equal(await surveyId(`${base}/chat/preSurvey`), '100');
      assert.equal(await surveyId(`${base}/chat/preSurvey`, '&skill=Sales'), '200');
      assert.equal(await surveyId(`${base}/chat/preSurvey`, '&skill=sales'), '200');
      // A skill without a pre-chat survey of its own, and an unknown skill, get the account's.
      assert.equal(await surveyId(`${base}/chat/preSurvey`, '&skill=Support'), '100');
      assert.equal(await surveyId(`${base}/chat/preSurvey`, '&skill=Nobody'), '100');
    });

    it('surveyApiId names one survey of the kind, whatever the skill; an unknown id is 404 / 42', async () => {
      assert.equal(await surveyId(`${base}/chat/preSurvey`, '&surveyApiId=200'), '200');
      assert.equal(await surveyId(`${base}/chat/preSurvey`, '&surveyApiId=100&skill=Sales'), '100');
      assert.equal(await surveyId(`${base}/chat/offlineSurvey`, '&surveyApiId=310'), '310');
      // An id of another kind's survey is not a pre-chat survey.
      const unknown = await call('GET', `${base}/chat/preSurvey`, '&surveyApiId=310');
      assert.equal(unknown.status, 404);
      assert.equal((unknown.json() as ErrorBody).error.internalCode, 42);
    });

    it('the offline survey by skill name or by the SDK’s engSkillId, and a message checked against it', async () => {
      assert.equal(await surveyId(`${base}/chat/offlineSurvey`), '110');
      assert.equal(await surveyId(`${base}/chat/offlineSurvey`, '&skill=Support'), '310');
      assert.equal(await surveyId(`${base}/chat/offlineSurvey`, '&engSkillId=1002'), '310');
      assert.equal(await surveyId(`${base}/chat/offlineSurvey`, '&engSkillId=-1'), '110');

      // Named by id; and by the skill alone, without an id.
      const byId = await call('POST', `${base}/chat/offlineSurvey`, '', {
        survey: { id: 310, question: { id: 31, answer: 'Call me back' } },
      });
      assert.equal(byId.status, 200, byId.text);
      const bySkill = await call('POST', `${base}/chat/offlineSurvey`, '', {
        survey: { question: { id: 31, answer: 'Call me later' } },
        skill: 'Support',
      });
      assert.equal(bySkill.status, 200, bySkill.text);
      const kept = await server.core.chats.surveys.listOffline(accountId, 10);
      assert.deepEqual(kept.map((message) => message.survey.surveyId).sort(), ['310', '310']);

      // The account's question does not answer Support's survey.
      const wrong = await call('POST', `${base}/chat/offlineSurvey`, '', {
        survey: { question: { id: 11, answer: 'Hello' } },
        skill: 'Support',
      });
      assert.equal(wrong.status, 400, wrong.text);
      assert.equal((wrong.json() as ErrorBody).error.internalCode, 40);
    });

    it('a chat request’s answers are checked against the survey of its skill, or the one they name', async () => {
      const sales = await startChat({ skill: 'Sales', survey: { id: 200, question: { id: 20, answer: 'Ann' } } });
      const stored = await server.store.chats.get(accountId, sales.split('/').pop()!);
      assert.equal(stored?.preChatSurvey?.surveyId, '200');
      assert.equal(stored?.preChatSurvey?.answers[0]?.label, 'Sales pre-chat');

      // Without an id, the skill decides: Sales's question is mandatory, the account's is unknown to it.
      const unnamed = await call('POST', `${base}/chat/request`, '', {
        request: { skill: 'Sales', survey: { question: { id: 10, answer: 'Ann' } } },
      });
      assert.equal(unnamed.status, 400, unnamed.text);

      // Answers to the account's survey (fetched with its surveyApiId) are accepted for a Sales chat.
      const named = await startChat({ skill: 'Sales', survey: { id: 100, question: { id: 10, answer: 'Bob' } } });
      const namedChat = await server.store.chats.get(accountId, named.split('/').pop()!);
      assert.equal(namedChat?.preChatSurvey?.surveyId, '100');
    });

    it('the exit survey follows the chat’s skill; surveyApiId still names one', async () => {
      const sales = await startChat({ skill: 'Sales' });
      const billing = await startChat({ skill: 'Billing' });
      assert.equal(await surveyId(`${sales}/exitSurvey`), '220');
      assert.equal(await surveyId(`${billing}/exitSurvey`), '120');
      assert.equal(await surveyId(`${sales}/exitSurvey`, '&surveyApiId=120'), '120');

      const answered = await call('POST', `${sales}/exitSurvey`, '', {
        survey: { id: 220, question: { id: 22, answer: 'Great' } },
      });
      assert.equal(answered.status, 200, answered.text);
      const stored = await server.store.chats.get(accountId, sales.split('/').pop()!);
      assert.equal(stored?.exitSurvey?.surveyId, '220');

      // The account's exit question is not part of the Sales exit survey.
      const wrong = await call('POST', `${billing}/exitSurvey`, '', {
        survey: { question: { id: 22, answer: 'Great' } },
      });
      assert.equal(wrong.status, 400, wrong.text);
    });
  });
}
