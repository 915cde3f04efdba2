import type { Account } from '../../core/model.js';
import { ChatState, type Chat } from '../../core/chats/chat-model.js';
import { isoWithOffset } from '../legacy/time-format.js';
import { link, oneOrMany } from '../visitor-api/chat-presenter.js';

type Document = Record<string, unknown>;

/** The visit's resources (chat-agent-api §3.26). */
export const presentVisit = (url: string): Document => ({
  visitId: { link: [link(`${url}/info`, 'info'), link(`${url}/customVariables`, 'custom-variables')] },
});

const info = (pairs: [string, string][]) => ({
  info: oneOrMany(pairs.map(([name, value]) => ({ '@name': name, $: value }))),
});

/** The visit behind a chat, as far as Parley knows it (§3.26). */
export function presentVisitInfo(url: string, chat: Chat, previousChats: Chat[], account: Account): Document {
  const time = (at: number | null) => (at === null ? undefined : isoWithOffset(at, account.settings.timeZone));
  // surveyInfo and previousChats are Parley's additions (docs/LEGACY-QUIRKS.md): the pre-chat
  // answers and the visitor's earlier chats, which the agent's visitor panel shows.
  const answers = chat.preChatSurvey?.answers ?? [];
  const previous = oneOrMany(
    previousChats.map((earlier) => ({
      '@id': earlier.id,
      state: earlier.state,
      startTime: time(earlier.startTime),
      endTime: time(earlier.endedAt),
      skillName: earlier.skillName ?? undefined,
      agentName: earlier.agentName ?? undefined,
    })),
  );
  return {
    visitInfo: {
      link: link(url, 'self'),
      isInCurrentChat: chat.state !== ChatState.ENDED,
      visitorId: chat.visitorId,
      sessionInfo: info([
        ['ip', chat.visitor.visitorIp],
        ['referrer', chat.visitor.referrer],
      ]),
      visitorInfo: info([
        ['userAgent', chat.visitor.userAgent],
        ['visitorName', chat.visitorName ?? 'visitor'],
      ]),
      time: info([['startTime', String(chat.startTime)]]),
      ...(answers.length === 0
        ? {}
        : {
            surveyInfo: info(
              answers.map((answer) => [
                answer.label,
                Array.isArray(answer.answer) ? answer.answer.join(', ') : answer.answer,
              ]),
            ),
          }),
      ...(previous === undefined ? {} : { previousChats: { chat: previous } }),
    },
  };
}

/** The visit's custom variables (§3.26), all of the visitor's session. */
export function presentCustomVariables(url: string, chat: Chat, account: Account): Document {
  const customVariable = oneOrMany(
    chat.customVariables.map((variable) => ({
      '@source': 'visitor',
      '@scope': 'session',
      name: variable.name,
      // When each variable was set is not kept; the chat's start is when the visit began.
      time: isoWithOffset(chat.startTime, account.settings.timeZone),
      displayName: variable.name,
      value: variable.value,
    })),
  );
  return { customVariables: { link: link(url, 'self'), ...(customVariable === undefined ? {} : { customVariable }) } };
}
