import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { renderSurvey } from '../legacy/survey-presenter.js';
import { surveySubmissionBody } from '../legacy/survey-submission.js';
import type { PublicOriginConfig } from '../public-origin.js';
import { CHAT_PATH } from './chat-routes.js';
import { transcriptBody } from './chat-schemas.js';
import { surveyQuery } from './survey-query.js';
import { chatTarget } from './visitor-request.js';

/** The exit survey and the transcript by e-mail (server-chat §3.16–3.18), in any state of the chat. */
export function registerAfterChatRoutes(app: FastifyInstance, core: Core, origin: PublicOriginConfig): void {
  registerResource(app, `${CHAT_PATH}/exitSurvey`, {
    GET: async (request, reply) => {
      const { account, chatId } = chatTarget(request, origin);
      return sendLegacy(
        reply,
        200,
        renderSurvey(await core.chats.surveys.exit(account.id, chatId, surveyQuery(request)), 'exit'),
      );
    },
    PUT: async (request, reply) => {
      const { account, chatId } = chatTarget(request, origin);
      await core.chats.surveys.submitExit(account.id, chatId, parseInput(surveySubmissionBody, request.body));
      return sendEmpty(reply);
    },
  });

  for (const [resource, withSubject] of [
    ['transcriptRequest', false],
    ['transcriptWithSubjectRequest', true],
  ] as const) {
    registerResource(app, `${CHAT_PATH}/${resource}`, {
      PUT: async (request, reply) => {
        const { account, chatId } = chatTarget(request, origin);
        const transcript = parseInput(transcriptBody, request.body);
        await core.chats.transcripts.send(account.id, chatId, transcript, { withSubject });
        return sendEmpty(reply);
      },
    });
  }
}
