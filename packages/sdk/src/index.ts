/**
 * @parley/sdk: bots, agents and visitors on Parley (or any server speaking LivePerson's legacy
 * Chat Agent API, Server Chat API, Login Service and Domain API), in Node.js 20 and browsers.
 */
export { AgentClient } from './agent-client.js';
export type {
  AgentLoginOptions,
  AgentNotification,
  AgentProfile,
  AgentResumeOptions,
  AgentSavedState,
  AgentSessionOptions,
  Availability,
  Invitation,
  ListedAgent,
  Ring,
  RingingChat,
} from './agent-client.js';
export type { ClientOptions } from './client-options.js';
export { AgentChat } from './agent-chat.js';
export type {
  AgentSessionContext,
  ChatRole,
  InviteTarget,
  SendLineOptions,
  SentInvitation,
  TransferSkill,
  TransferTarget,
} from './agent-chat.js';
export type {
  ChatParticipants,
  InvitationNotice,
  LiveChat,
  LiveChatsUpdate,
  ParticipantRole,
  ParticipationNotice,
} from './shared-chats.js';
export { VisitorClient } from './visitor-client.js';
export type { StartChatOptions, VisitorLineOptions, VisitorOptions, VisitorQueryOptions } from './visitor-client.js';
export { ParleyError } from './errors.js';
export type { ParleyErrorInit } from './errors.js';
export { chatEventsOf, isEndOfChat, parseChatEvent } from './events.js';
export type { ChatEvent, EventFeedOptions } from './events.js';
export type { ChatInfo } from './chat-info.js';
export type { PreviousChat, VisitInfo } from './visit.js';
export type { Survey, SurveyAnswers, SurveyEntry, SurveyQuestion } from './surveys.js';
export type { AgentCredentials, AppKeyCredentials, PasswordCredentials } from './login.js';
export type { HttpOptions } from './http.js';
export { newIdempotencyKey } from './http.js';
export { DEFAULT_RETRY_POLICY } from './retry.js';
export type { RecoveryEvent, RetryPolicy, Sleep } from './retry.js';
export { readServerSentEvents } from './sse.js';
export type { ReadSseOptions, SseMessage } from './sse.js';
