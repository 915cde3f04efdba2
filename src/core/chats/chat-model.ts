/** The chat model shared by both chat APIs (server-chat §4, chat-agent-api §3.13–3.16). */

export const ChatState = { WAITING: 'waiting', CHATTING: 'chatting', ENDED: 'ended' } as const;
export type ChatState = (typeof ChatState)[keyof typeof ChatState];

export const LineSource = { SYSTEM: 'system', AGENT: 'agent', VISITOR: 'visitor' } as const;
export type LineSource = (typeof LineSource)[keyof typeof LineSource];

/** Lines with ONLY_TO_REP (agent-only lines, transfer notes) never reach the visitor (server-chat §4.2). */
export const SubType = { REGULAR: 'REGULAR', ONLY_TO_REP: 'ONLY_TO_REP' } as const;
export type SubType = (typeof SubType)[keyof typeof SubType];

export type TextType = 'plain' | 'html' | 'rich-content';

/** Values the chat request carried that both APIs echo in chat info (server-chat §3.12). */
export interface ChatRequestEcho {
  LETagVisitorId?: string;
  LETagSessionId?: string;
  LETagContextId?: string;
  engagementId?: string;
  campaignId?: string;
  language?: string;
  participantId?: string;
  conversationId?: string;
}

/** What the visitor's client told us about them, shown to the agent. */
export interface VisitorContext {
  visitorIp: string;
  userAgent: string;
  referrer: string;
  visitorSessionId?: string;
}

/** A submitted survey: answers by question id, each a string or (checkbox) several strings. */
export interface SurveyAnswers {
  surveyId: string;
  answers: { questionId: string; label: string; answer: string | string[] }[];
  submittedAt: number;
}

export interface Chat {
  accountId: string;
  /** Also the chatSessionKey: `H<63-bit>-<32 hex>K<7 digits>` (server-chat §4.6). */
  id: string;
  visitorId: number;
  rtSessionId: number;
  state: ChatState;
  skillId: number | null;
  skillName: string | null;
  /** Login name from the request's `agent`: the chat waits for that agent only. */
  requestedAgent: string | null;
  agentUserId: number | null;
  agentName: string | null;
  /** null until set: "You" on the visitor side, "visitor" on the agent side (server-chat §3.13). */
  visitorName: string | null;
  visitorTyping: boolean;
  agentTyping: boolean;
  /**
   * When each side last said it was typing: a flag not renewed within TYPING_TTL_MS reads as
   * not typing (src/core/chats/typing.ts). Absent or null: never (or before they were kept).
   */
  visitorTypingAt?: number | null;
  agentTypingAt?: number | null;
  interactionTimeoutSeconds: number;
  maxWaitTimeSeconds: number | null;
  echo: ChatRequestEcho;
  visitor: VisitorContext;
  preChatLines: string[];
  preChatSurvey: SurveyAnswers | null;
  exitSurvey: SurveyAnswers | null;
  customVariables: { name: string; value: string }[];
  /** When the chat was requested (the time of system line 4). */
  startTime: number;
  /** Any request on the chat, either API (server-chat §3.9). */
  lastUpdate: number;
  /** When the chat (re)joined its queue: FIFO order per skill. */
  queuedAt: number | null;
  acceptedAt: number | null;
  endedAt: number | null;
  /** Due times the scheduler acts on (docs/ARCHITECTURE.md, "Timers are due times in the store"). */
  idleDueAt: number | null;
  waitDueAt: number | null;
  /** After this an ended chat answers 404 (server-chat §4.5). */
  retainUntil: number | null;
  /** One past the highest event id: the `from` of `next` links. */
  nextEventId: number;
  /** The agent the waiting chat rings at now, and until when (chat-agent-api §3.8–3.9). */
  ringingUserId: number | null;
  ringDueAt: number | null;
  /** A transfer to one agent: only that agent is rung, also while Occupied (§3.23). */
  targetUserId: number | null;
  /** The agent session holding the chat (with agentUserId). */
  agentSessionId: string | null;
  agentSurvey: SurveyAnswers | null;
  /**
   * Agent sessions in the chat beside its holder (docs/SHARED-CHATS.md): they read it and post
   * within their role, take no routing slot and never ring. Kept after the chat ends, so that they
   * read it to its end as the holder does.
   */
  participants: Participant[];
  /** Open invitations to assist, answered by their invitee (docs/SHARED-CHATS.md). */
  invitations: Invitation[];
  /** When the last line was added (the live-chats list shows it); null before the first. */
  lastLineAt: number | null;
}

/**
 * A request recorded on a chat: its time, and the deadlines it moves (null: leaves it alone), the
 * idle deadline of a live chat or the retention of an ended one (server-chat §4.5).
 */
export interface ChatTouch {
  accountId: string;
  chatId: string;
  at: number;
  idleDueAt: number | null;
  retainUntil: number | null;
}

/** A request recorded on an agent session: its time and the idle deadline it moves to. */
export interface SessionTouch {
  accountId: string;
  sessionId: string;
  at: number;
  idleDueAt: number;
}

export const ParticipantRole = { LISTENER: 'listener', ASSISTANT: 'assistant' } as const;
export type ParticipantRole = (typeof ParticipantRole)[keyof typeof ParticipantRole];

/** An agent session in a chat beside its holder. */
export interface Participant {
  sessionId: string;
  userId: number;
  /** The display name its lines and events carry. */
  name: string;
  role: ParticipantRole;
  joinedAt: number;
}

/** Whom an invitation reaches: one user, or anyone with a skill (the first answer closes it). */
export type InvitationTarget = { kind: 'user'; userId: number } | { kind: 'skill'; skillId: number };

/** The holder's invitation to join its chat as an assistant. */
export interface Invitation {
  /** `{chatId}.{id of its "invited" event}`: unique, and found from the id alone. */
  id: string;
  target: InvitationTarget;
  invitedBy: { userId: number; name: string };
  note: string;
  time: number;
}

/** What a `participant` event says happened (docs/SHARED-CHATS.md, "Participant events"). */
export type ParticipantAction = 'joined' | 'left' | 'role' | 'invited' | 'declined' | 'withdrawn' | 'tookOver';

export interface ParticipantChange {
  action: ParticipantAction;
  role: ParticipantRole;
  /** The agent the change is about; null for an invitation to a skill. */
  userId: number | null;
  name: string;
  invitationId?: string;
  skillId?: number;
}

export interface ChatEvent {
  id: number;
  type: 'state' | 'line' | 'participant';
  time: number;
  state?: ChatState;
  textType?: TextType;
  text?: string;
  json?: unknown;
  by?: string;
  source?: LineSource;
  systemMessageId?: number;
  subType?: SubType;
  /** A line a participant posted: who, in which role. */
  author?: { userId: number; role: ParticipantRole };
  /** An agent-only line that suggests what the holder could reply. */
  suggestedReply?: string;
  /** A `participant` event: who joined, left, was invited… (always agent-only). */
  participant?: ParticipantChange;
}

/** A change as committed: the chat after it and the events it appended, numbered. */
export interface CommittedChange {
  chat: Chat;
  events: ChatEvent[];
}

/** An event before the store gives it its id. */
export type NewChatEvent = Omit<ChatEvent, 'id'>;

/** An offline-survey submission (server-chat §3.6), listed by `parley offline list`. */
export interface OfflineMessage {
  accountId: string;
  id: string;
  skill: string | null;
  survey: SurveyAnswers;
  visitor: VisitorContext;
  context: Record<string, string>;
  createdAt: number;
}

export const Availability = { ONLINE: 'Online', AWAY: 'Away', OCCUPIED: 'Occupied' } as const;
export type Availability = (typeof Availability)[keyof typeof Availability];

/** A Chat Agent API agent session (chat-agent-api §3.1); what routing and capacity read. */
export interface AgentSession {
  accountId: string;
  /** Digits only (chat-agent-api §1.9). */
  id: string;
  userId: number;
  /** The login session whose bearer created it: it ends with that login (platform §4.7). */
  loginSessionId: string | null;
  availability: Availability;
  createdAt: number;
  lastRequestAt: number;
  endedAt: number | null;
  /** When the session ends for want of requests (platform §6.4: 400 s by default). */
  idleDueAt: number | null;
  /** When `availability` last changed (`elapsedTimeInState`, chat-agent-api §3.5). */
  availabilitySince: number;
  /**
   * The availability reason the agent gave with its availability (chat-agent-api §3.4,
   * `chatReasonId`); absent or null when none. Setting the availability again replaces it.
   */
  chatReasonId?: string | null;
  /**
   * The skills whose chats this session joins as a listener as they start (docs/SHARED-CHATS.md,
   * "Joined automatically"); absent or null when off.
   */
  autoListen?: SkillScope | null;
  /**
   * Lives by its connections (`presence=connection`, docs/LEGACY-QUIRKS.md): without one for the
   * grace it goes Away, for the end limit it ends. Absent or false: requests keep it, as legacy.
   */
  isConnectionBound?: boolean;
  /** Since when a connection-bound session has had no connection; absent or null while it has one. */
  detachedAt?: number | null;
  /** When the timers must next look at a detached session (its grace, then its end limit). */
  presenceDueAt?: number | null;
  /**
   * What the session was before it was put Away for want of a connection, restored when one comes
   * back; absent or null when it was not put Away that way.
   */
  autoAway?: { availability: Availability; chatReasonId: string | null } | null;
}

/** Skills a permission or an automatic join covers: every skill, or these ids. */
export type SkillScope = 'all' | number[];
