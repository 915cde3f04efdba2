import type { SurveySubmission } from '../surveys/surveys.js';
import type { ChatRequestEcho } from './chat-model.js';
import type { CustomVariable } from './visitor-chat.js';

/** A chat request (server-chat §3.8) as the transport read it: ids as strings, empties absent. */
export interface ChatRequest {
  skill?: string;
  skillId?: number;
  serviceQueue?: string;
  maxWaitTime?: number;
  agent?: string;
  visitorIp?: string;
  referrer?: string;
  userAgent?: string;
  visitorId?: number;
  visitorSessionId?: string;
  preChatLines: string[];
  /** The pre-chat survey's answers, checked only when the account has a pre-chat survey. */
  survey?: SurveySubmission;
  interactionTimeout: number;
  echo: ChatRequestEcho;
  customVariables: CustomVariable[];
}

/** A chat's interaction timeout when the request names none (server-chat §3.8). */
export const DEFAULT_INTERACTION_TIMEOUT_SECONDS = 40;
