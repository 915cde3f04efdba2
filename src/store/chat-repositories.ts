import { sql, type Kysely } from 'kysely';
import type {
  AgentSessionRepository,
  ChatRepository,
  OfflineMessageRepository,
  VisitorIdentityRepository,
} from '../core/ports.js';
import type {
  AgentSession,
  Availability,
  Chat,
  ChatEvent,
  ChatState,
  LineSource,
  OfflineMessage,
  SkillScope,
  SubType,
  TextType,
} from '../core/chats/chat-model.js';
import type { Database } from './schema.js';
import { CompiledOnce, type Param } from './compiled-once.js';

export type Dialect = 'sqlite' | 'postgres';

/**
 * The sizes a batch of touches is cut into, largest first (5 parameters each: well under either
 * database's limit). A statement's text grows with its rows, so a batch of any size written as
 * one statement was a new statement on nearly every flush: about 25 KB of text, compiled and
 * prepared again, and kept among the prepared statements until their cache filled, which under
 * `bench:capacity` was most of the server's heap growth. Cut into these, a flush runs a few
 * statements of at most five shapes, each prepared once. The largest is small because a SQLite
 * statement holds the event loop while it runs (the loop turns while each commit is flushed).
 */
const CHUNK_SIZES = [128, 32, 8, 2, 1];

/** Runs `write` once per chunk, in order, each chunk of one of CHUNK_SIZES. */
async function inChunks<T>(items: readonly T[], write: (chunk: readonly T[]) => Promise<unknown>): Promise<void> {
  let first = 0;
  for (const size of CHUNK_SIZES) {
    for (; items.length - first >= size; first += size) await write(items.slice(first, first + size));
  }
}

/** A stored JSON column, or `fallback` when it is null or unreadable. */
export const parseJson = <T>(text: string | null, fallback: T): T => {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};
const nullableNumber = (value: number | null): number | null => (value === null ? null : Number(value));

type ChatRow = Database['chats'];

const toChat = (row: ChatRow): Chat => ({
  accountId: row.account_id,
  id: row.id,
  visitorId: Number(row.visitor_id),
  rtSessionId: Number(row.rt_session_id),
  state: row.state as ChatState,
  skillId: nullableNumber(row.skill_id),
  skillName: row.skill_name,
  requestedAgent: row.requested_agent,
  agentUserId: nullableNumber(row.agent_user_id),
  agentName: row.agent_name,
  visitorName: row.visitor_name,
  visitorTyping: row.visitor_typing === 1,
  agentTyping: row.agent_typing === 1,
  // Absent rather than null when never set, as chats are made before anyone types.
  ...(row.visitor_typing_at === null ? {} : { visitorTypingAt: Number(row.visitor_typing_at) }),
  ...(row.agent_typing_at === null ? {} : { agentTypingAt: Number(row.agent_typing_at) }),
  interactionTimeoutSeconds: Number(row.interaction_timeout_seconds),
  maxWaitTimeSeconds: nullableNumber(row.max_wait_time_seconds),
  echo: parseJson(row.echo, {}),
  visitor: parseJson(row.visitor, { visitorIp: '', userAgent: '', referrer: '' }),
  preChatLines: parseJson(row.pre_chat_lines, []),
  preChatSurvey: parseJson(row.pre_chat_survey, null),
  exitSurvey: parseJson(row.exit_survey, null),
  customVariables: parseJson(row.custom_variables, []),
  startTime: Number(row.start_time),
  lastUpdate: Number(row.last_update),
  queuedAt: nullableNumber(row.queued_at),
  acceptedAt: nullableNumber(row.accepted_at),
  endedAt: nullableNumber(row.ended_at),
  idleDueAt: nullableNumber(row.idle_due_at),
  waitDueAt: nullableNumber(row.wait_due_at),
  retainUntil: nullableNumber(row.retain_until),
  nextEventId: Number(row.next_event_id),
  ringingUserId: nullableNumber(row.ringing_user_id),
  ringDueAt: nullableNumber(row.ring_due_at),
  targetUserId: nullableNumber(row.target_user_id),
  agentSessionId: row.agent_session_id,
  agentSurvey: parseJson(row.agent_survey, null),
  participants: parseJson(row.participants, []),
  invitations: parseJson(row.invitations, []),
  lastLineAt: nullableNumber(row.last_line_at),
});

const fromChat = (chat: Chat): ChatRow => ({
  account_id: chat.accountId,
  id: chat.id,
  visitor_id: chat.visitorId,
  rt_session_id: chat.rtSessionId,
  state: chat.state,
  skill_id: chat.skillId,
  skill_name: chat.skillName,
  requested_agent: chat.requestedAgent,
  agent_user_id: chat.agentUserId,
  agent_name: chat.agentName,
  visitor_name: chat.visitorName,
  visitor_typing: chat.visitorTyping ? 1 : 0,
  agent_typing: chat.agentTyping ? 1 : 0,
  visitor_typing_at: chat.visitorTypingAt ?? null,
  agent_typing_at: chat.agentTypingAt ?? null,
  interaction_timeout_seconds: chat.interactionTimeoutSeconds,
  max_wait_time_seconds: chat.maxWaitTimeSeconds,
  echo: JSON.stringify(chat.echo),
  visitor: JSON.stringify(chat.visitor),
  pre_chat_lines: JSON.stringify(chat.preChatLines),
  pre_chat_survey: chat.preChatSurvey === null ? null : JSON.stringify(chat.preChatSurvey),
  exit_survey: chat.exitSurvey === null ? null : JSON.stringify(chat.exitSurvey),
  custom_variables: JSON.stringify(chat.customVariables),
  start_time: chat.startTime,
  last_update: chat.lastUpdate,
  queued_at: chat.queuedAt,
  accepted_at: chat.acceptedAt,
  ended_at: chat.endedAt,
  idle_due_at: chat.idleDueAt,
  wait_due_at: chat.waitDueAt,
  retain_until: chat.retainUntil,
  next_event_id: chat.nextEventId,
  ringing_user_id: chat.ringingUserId,
  ring_due_at: chat.ringDueAt,
  target_user_id: chat.targetUserId,
  agent_session_id: chat.agentSessionId,
  agent_survey: chat.agentSurvey === null ? null : JSON.stringify(chat.agentSurvey),
  participants: JSON.stringify(chat.participants),
  invitations: JSON.stringify(chat.invitations),
  last_line_at: chat.lastLineAt,
});

/**
 * The columns of `row` to write: all but the key, or, given the row as read under the chat's lock,
 * only those that differ from it. An index is rewritten only when a column it holds is set, so a
 * line, which moves a few times and counters, writes the row and one of the chats' eight indexes
 * instead of all of them: about a third of the pages (on PostgreSQL, an update that sets
 * no indexed column may be HOT).
 */
function changedColumns(row: ChatRow, read: ChatRow | undefined): Partial<ChatRow> {
  const { account_id: _account, id: _id, ...columns } = row;
  if (read === undefined) return columns;
  return Object.fromEntries(
    Object.entries(columns).filter(([column, value]) => read[column as keyof ChatRow] !== value),
  ) as Partial<ChatRow>;
}

/** What an event keeps beyond the legacy columns (docs/SHARED-CHATS.md). */
type EventDetails = Pick<ChatEvent, 'author' | 'suggestedReply' | 'participant'>;

const eventTypes: ReadonlySet<string> = new Set(['state', 'line', 'participant']);

const toEvent = (row: Database['chat_events']): ChatEvent => {
  const event: ChatEvent = {
    id: Number(row.id),
    type: eventTypes.has(row.type) ? (row.type as ChatEvent['type']) : 'line',
    time: Number(row.time),
  };
  if (row.state !== null) event.state = row.state as ChatState;
  if (row.text_type !== null) event.textType = row.text_type as TextType;
  if (row.text !== null) event.text = row.text;
  if (row.json !== null) event.json = parseJson<unknown>(row.json, null);
  if (row.by_name !== null) event.by = row.by_name;
  if (row.source !== null) event.source = row.source as LineSource;
  if (row.system_message_id !== null) event.systemMessageId = Number(row.system_message_id);
  if (row.sub_type !== null) event.subType = row.sub_type as SubType;
  if (row.details !== null) Object.assign(event, parseJson<EventDetails>(row.details, {}));
  return event;
};

const detailsOf = ({ author, suggestedReply, participant }: ChatEvent): string | null => {
  const details: EventDetails = {
    ...(author === undefined ? {} : { author }),
    ...(suggestedReply === undefined ? {} : { suggestedReply }),
    ...(participant === undefined ? {} : { participant }),
  };
  return Object.keys(details).length === 0 ? null : JSON.stringify(details);
};

const fromEvent = (accountId: string, chatId: string, event: ChatEvent): Database['chat_events'] => ({
  account_id: accountId,
  chat_id: chatId,
  id: event.id,
  type: event.type,
  time: event.time,
  state: event.state ?? null,
  text_type: event.textType ?? null,
  text: event.text ?? null,
  json: event.json === undefined ? null : JSON.stringify(event.json),
  by_name: event.by ?? null,
  source: event.source ?? null,
  system_message_id: event.systemMessageId ?? null,
  sub_type: event.subType ?? null,
  details: detailsOf(event),
});

/** The statements every request runs (a chat read, its events, a line's insert and update). */
const statements = new CompiledOnce();

/** A chat_events row's columns, in the order of its values in a compiled statement. */
const EVENT_COLUMNS = Object.keys(
  fromEvent('', '', { id: 0, type: 'line', time: 0 }),
) as (keyof Database['chat_events'])[];
/** A row of `columns` (in this order) set to placeholders, from the nth value on. */
const placeholders = <Row>(columns: readonly (keyof Row)[], param: Param, first: number): Row =>
  Object.fromEntries(columns.map((column, i) => [column, param(first + i)])) as Row;
/** A chat_events row of placeholders, from the nth value on (EVENT_COLUMNS' order). */
const eventPlaceholders = (param: Param, first: number) =>
  placeholders<Database['chat_events']>(EVENT_COLUMNS, param, first);
/** The values of `events`' rows, one after another, in EVENT_COLUMNS' order. */
const eventValues = (accountId: string, chatId: string, events: readonly ChatEvent[]): unknown[] =>
  events.flatMap((event) => {
    const row = fromEvent(accountId, chatId, event);
    return EVENT_COLUMNS.map((column) => row[column]);
  });

export function chatRepository(db: Kysely<Database>, dialect: Dialect): ChatRepository {
  /** Chats in progress held by one agent session or one agent, oldest accepted first. */
  const chatting = async (accountId: string, holder: 'agent_session_id' | 'agent_user_id', value: string | number) => {
    const rows = await db
      .selectFrom('chats')
      .selectAll()
      .where('account_id', '=', accountId)
      .where(holder, '=', value)
      .where('state', '=', 'chatting')
      // Chats accepted in the same millisecond keep the order they were requested in.
      .orderBy('accepted_at')
      .orderBy('start_time')
      .orderBy('id')
      .execute();
    return rows.map(toChat);
  };
  /** Waiting and in-progress chats, oldest first; only those with participants or invitations when asked. */
  const liveChats = async (accountId: string, { sharedOnly }: { sharedOnly: boolean }) => {
    let query = db
      .selectFrom('chats')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('state', 'in', ['waiting', 'chatting']);
    if (sharedOnly) query = query.where((eb) => eb.or([eb('participants', '!=', '[]'), eb('invitations', '!=', '[]')]));
    const rows = await query.orderBy('start_time').orderBy('id').execute();
    return rows.map(toChat);
  };
  const insertEvents = async (accountId: string, chatId: string, events: ChatEvent[]) => {
    if (events.length > 0) {
      await db.executeQuery(
        statements.query(`${dialect}:insert-events:${events.length}`, eventValues(accountId, chatId, events), (param) =>
          db.insertInto('chat_events').values(events.map((_, n) => eventPlaceholders(param, n * EVENT_COLUMNS.length))),
        ),
      );
    }
  };
  return {
    async create(chat, events) {
      // Two statements: atomic in the caller's transaction, or in one of its own.
      if (!db.isTransaction) return db.transaction().execute((tx) => chatRepository(tx, dialect).create(chat, events));
      await db.insertInto('chats').values(fromChat(chat)).execute();
      await insertEvents(chat.accountId, chat.id, events);
    },
    async get(accountId, chatId, options = {}) {
      // SQLite has no row locks; its transactions already run one at a time.
      const forUpdate = options.forUpdate === true && dialect === 'postgres';
      const { rows } = await db.executeQuery(
        statements.query(`${dialect}:chat:${forUpdate}`, [accountId, chatId], (param) => {
          const query = db
            .selectFrom('chats')
            .selectAll()
            .where('account_id', '=', param<string>(0))
            .where('id', '=', param<string>(1));
          return forUpdate ? query.forUpdate() : query;
        }),
      );
      const [row] = rows;
      return row && toChat(row);
    },
    async save(chat, appended = [], read) {
      const changes = changedColumns(fromChat(chat), read && fromChat(read));
      const columns = Object.keys(changes) as (keyof ChatRow)[];
      const changed = [chat.accountId, chat.id, ...columns.map((column) => changes[column])];
      const shape = columns.join(',');
      if (appended.length > 0 && columns.length > 0 && dialect === 'postgres') {
        // One statement, one round trip: a transaction holding the chat's row lock waits for one
        // answer fewer, and on a busy process each answer waits for a turn of the event loop.
        const values = [...changed, ...eventValues(chat.accountId, chat.id, appended)];
        await db.executeQuery(
          statements.query(`${dialect}:save-appended:${appended.length}:${shape}`, values, (param) =>
            db
              .with('appended', (q) =>
                q
                  .insertInto('chat_events')
                  .values(appended.map((_, n) => eventPlaceholders(param, changed.length + n * EVENT_COLUMNS.length))),
              )
              .updateTable('chats')
              .set(placeholders<Partial<ChatRow>>(columns, param, 2))
              .where('account_id', '=', param<string>(0))
              .where('id', '=', param<string>(1)),
          ),
        );
        return;
      }
      await insertEvents(chat.accountId, chat.id, appended);
      if (columns.length === 0) return;
      await db.executeQuery(
        statements.query(`${dialect}:save:${shape}`, changed, (param) =>
          db
            .updateTable('chats')
            .set(placeholders<Partial<ChatRow>>(columns, param, 2))
            .where('account_id', '=', param<string>(0))
            .where('id', '=', param<string>(1)),
        ),
      );
    },
    async events(accountId, chatId, fromId, options = {}) {
      const { before } = options;
      const agentOnly = options.includeAgentOnly === true;
      const values = [accountId, chatId, fromId, before];
      const { rows } = await db.executeQuery(
        statements.query(`${dialect}:events:${before !== undefined}:${agentOnly}`, values, (param) => {
          let query = db
            .selectFrom('chat_events')
            .selectAll()
            .where('account_id', '=', param<string>(0))
            .where('chat_id', '=', param<string>(1))
            .where('id', '>=', param<number>(2));
          if (before !== undefined) query = query.where('id', '<', param<number>(3));
          if (!agentOnly) {
            query = query.where((eb) => eb.or([eb('sub_type', 'is', null), eb('sub_type', '!=', 'ONLY_TO_REP')]));
          }
          return query.orderBy('id');
        }),
      );
      return rows.map(toEvent);
    },
    async touch(touches) {
      // One statement per chunk, the chats joined to a VALUES list; the CASEs keep the later time.
      // The casts give PostgreSQL the parameters' types (SQLite takes them as they come).
      await inChunks(touches, (chunk) => {
        const rows = chunk.map(
          ({ accountId, chatId, at, idleDueAt, retainUntil }) =>
            sql`(cast(${accountId} as text), cast(${chatId} as text), cast(${at} as bigint), cast(${idleDueAt} as bigint), cast(${retainUntil} as bigint))`,
        );
        return sql`
          with t(account_id, id, touched_at, idle_due_at, retain_until) as (values ${sql.join(rows)})
          update chats set
            last_update = case when t.touched_at > chats.last_update then t.touched_at else chats.last_update end,
            idle_due_at = case
              when chats.state <> 'ended' and t.idle_due_at > coalesce(chats.idle_due_at, t.idle_due_at - 1)
              then t.idle_due_at else chats.idle_due_at end,
            retain_until = case
              when chats.state = 'ended' and t.retain_until > coalesce(chats.retain_until, t.retain_until - 1)
              then t.retain_until else chats.retain_until end
          from t
          where chats.account_id = t.account_id and chats.id = t.id`.execute(db);
      });
    },
    async due(now, limit) {
      const rows = await db
        .selectFrom('chats')
        .selectAll()
        .where('state', '!=', 'ended')
        .where((eb) => eb.or([eb('idle_due_at', '<=', now), eb('wait_due_at', '<=', now)]))
        .orderBy('start_time')
        .limit(limit)
        .execute();
      return rows.map(toChat);
    },
    async queue(accountId) {
      const rows = await db
        .selectFrom('chats')
        .select(['id', 'skill_id', 'requested_agent', 'ringing_user_id', 'target_user_id'])
        .where('account_id', '=', accountId)
        .where('state', '=', 'waiting')
        .orderBy('queued_at')
        .orderBy('start_time')
        // Chats queued in the same millisecond: one order for accept and the ring list alike.
        .orderBy('id')
        .execute();
      return rows.map((row) => ({
        id: row.id,
        skillId: nullableNumber(row.skill_id),
        requestedAgent: row.requested_agent,
        ringingUserId: nullableNumber(row.ringing_user_id),
        targetUserId: nullableNumber(row.target_user_id),
      }));
    },
    async activeCountByAgent(accountId) {
      const rows = await db
        .selectFrom('chats')
        .select(['agent_user_id', (eb) => eb.fn.countAll<number>().as('count')])
        .where('account_id', '=', accountId)
        .where('state', '=', 'chatting')
        .where('agent_user_id', 'is not', null)
        .groupBy('agent_user_id')
        .execute();
      return new Map(rows.map((row) => [Number(row.agent_user_id), Number(row.count)]));
    },
    live: (accountId) => liveChats(accountId, { sharedOnly: false }),
    shared: (accountId) => liveChats(accountId, { sharedOnly: true }),
    heldBySession: (accountId, agentSessionId) => chatting(accountId, 'agent_session_id', agentSessionId),
    heldByUser: (accountId, userId) => chatting(accountId, 'agent_user_id', userId),
    async byVisitor(accountId, visitorId, exceptChatId, limit) {
      const rows = await db
        .selectFrom('chats')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('visitor_id', '=', visitorId)
        .where('id', '!=', exceptChatId)
        .orderBy('start_time', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toChat);
    },
    async countRinging(accountId, userId) {
      // Every agent's poll asks it (incomingRequests, every 2 s): compiled once.
      const { rows } = await db.executeQuery(
        statements.query(`${dialect}:count-ringing`, [accountId, userId], (param) =>
          db
            .selectFrom('chats')
            .select((eb) => eb.fn.countAll<number>().as('count'))
            .where('account_id', '=', param<string>(0))
            .where('state', '=', 'waiting')
            .where('ringing_user_id', '=', param<number>(1)),
        ),
      );
      return Number(rows[0]?.count ?? 0);
    },
    async listRinging(accountId, userId) {
      const rows = await db
        .selectFrom('chats')
        .select(['id', 'skill_name', 'visitor_name', 'queued_at', 'start_time', 'target_user_id'])
        .where('account_id', '=', accountId)
        .where('state', '=', 'waiting')
        .where('ringing_user_id', '=', userId)
        .orderBy('queued_at')
        .orderBy('start_time')
        .orderBy('id')
        .execute();
      return rows.map((row) => ({
        id: row.id,
        skillName: row.skill_name,
        visitorName: row.visitor_name,
        queuedAt: nullableNumber(row.queued_at),
        startTime: Number(row.start_time),
        targetUserId: nullableNumber(row.target_user_id),
      }));
    },
    async ringsDue(now, limit) {
      const rows = await db
        .selectFrom('chats')
        .selectAll()
        .where('state', '=', 'waiting')
        .where('ring_due_at', '<=', now)
        .orderBy('ring_due_at')
        .limit(limit)
        .execute();
      return rows.map(toChat);
    },
    async accountsWithUnroutedChats() {
      const rows = await db
        .selectFrom('chats')
        .select('account_id')
        .distinct()
        .where('state', '=', 'waiting')
        .where('ringing_user_id', 'is', null)
        .execute();
      return rows.map((row) => row.account_id);
    },
    async countReleased(accountId, skillId, since) {
      // A slot is released when a chat an agent held ends.
      let query = db
        .selectFrom('chats')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('account_id', '=', accountId)
        .where('ended_at', '>=', since)
        .where('agent_user_id', 'is not', null);
      if (skillId !== null) query = query.where('skill_id', '=', skillId);
      const row = await query.executeTakeFirst();
      return Number(row?.count ?? 0);
    },
  };
}

export function agentSessionRepository(db: Kysely<Database>): AgentSessionRepository {
  const toSession = (row: Database['agent_sessions']): AgentSession => ({
    accountId: row.account_id,
    id: row.id,
    userId: Number(row.user_id),
    loginSessionId: row.login_session_id,
    availability: row.availability as Availability,
    createdAt: Number(row.created_at),
    lastRequestAt: Number(row.last_request_at),
    endedAt: nullableNumber(row.ended_at),
    idleDueAt: nullableNumber(row.idle_due_at),
    availabilitySince: Number(row.availability_since ?? row.created_at),
    autoListen: parseJson<SkillScope | null>(row.auto_listen, null),
    chatReasonId: row.chat_reason_id,
    isConnectionBound: Number(row.is_connection_bound) === 1,
    detachedAt: nullableNumber(row.detached_at),
    presenceDueAt: nullableNumber(row.presence_due_at),
    autoAway: parseJson<AgentSession['autoAway']>(row.auto_away, null),
  });
  /**
   * Sets columns of a live session alone, in one statement that touches nothing else, so that no
   * write puts back what another read earlier; undefined when the session is unknown or has ended.
   */
  const updateLive = async (accountId: string, id: string, columns: Partial<Database['agent_sessions']>) => {
    const row = await db
      .updateTable('agent_sessions')
      .set(columns)
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row && toSession(row);
  };
  return {
    async save(session) {
      const row = {
        account_id: session.accountId,
        id: session.id,
        user_id: session.userId,
        login_session_id: session.loginSessionId,
        availability: session.availability,
        created_at: session.createdAt,
        last_request_at: session.lastRequestAt,
        ended_at: session.endedAt,
        idle_due_at: session.idleDueAt,
        availability_since: session.availabilitySince,
        auto_listen: session.autoListen == null ? null : JSON.stringify(session.autoListen),
        chat_reason_id: session.chatReasonId ?? null,
        is_connection_bound: session.isConnectionBound === true ? 1 : 0,
        detached_at: session.detachedAt ?? null,
        presence_due_at: session.presenceDueAt ?? null,
        auto_away: session.autoAway == null ? null : JSON.stringify(session.autoAway),
      };
      await db
        .insertInto('agent_sessions')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['account_id', 'id']).doUpdateSet({
            availability: row.availability,
            last_request_at: row.last_request_at,
            ended_at: row.ended_at,
            idle_due_at: row.idle_due_at,
            availability_since: row.availability_since,
            chat_reason_id: row.chat_reason_id,
            detached_at: row.detached_at,
            presence_due_at: row.presence_due_at,
            auto_away: row.auto_away,
          }),
        )
        .execute();
    },
    touch: (accountId, id, now, idleDueAt) =>
      updateLive(accountId, id, { last_request_at: now, idle_due_at: idleDueAt }),
    async touchMany(touches) {
      // As chats' touches: one statement per chunk, the later time kept (the keep-alive columns
      // alone, so the cache version does not move: migration 0012).
      await inChunks(touches, (chunk) => {
        const rows = chunk.map(
          ({ accountId, sessionId, at, idleDueAt }) =>
            sql`(cast(${accountId} as text), cast(${sessionId} as text), cast(${at} as bigint), cast(${idleDueAt} as bigint))`,
        );
        return sql`
          with t(account_id, id, touched_at, idle_due_at) as (values ${sql.join(rows)})
          update agent_sessions set
            last_request_at = case
              when t.touched_at > agent_sessions.last_request_at then t.touched_at
              else agent_sessions.last_request_at end,
            idle_due_at = case
              when t.idle_due_at > coalesce(agent_sessions.idle_due_at, t.idle_due_at - 1) then t.idle_due_at
              else agent_sessions.idle_due_at end
          from t
          where agent_sessions.account_id = t.account_id and agent_sessions.id = t.id
            and agent_sessions.ended_at is null`.execute(db);
      });
    },
    setAutoListen: (accountId, id, scope) =>
      updateLive(accountId, id, { auto_listen: scope === null ? null : JSON.stringify(scope) }),
    setAvailability: (accountId, id, availability, since, reasonId, autoAway = null) =>
      updateLive(accountId, id, {
        availability,
        availability_since: since,
        chat_reason_id: reasonId,
        auto_away: autoAway === null ? null : JSON.stringify(autoAway),
      }),
    setDetached: (accountId, id, detachedAt, dueAt) =>
      updateLive(accountId, id, { detached_at: detachedAt, presence_due_at: dueAt }),
    async duePresence(now, limit) {
      const rows = await db
        .selectFrom('agent_sessions')
        .selectAll()
        .where('ended_at', 'is', null)
        .where('presence_due_at', '<=', now)
        .orderBy('presence_due_at')
        .limit(limit)
        .execute();
      return rows.map(toSession);
    },
    async orphaned(limit) {
      const rows = await db
        .selectFrom('agent_sessions')
        .selectAll()
        .where('ended_at', 'is', null)
        .where('login_session_id', 'is not', null)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('login_sessions')
                .select('id')
                .whereRef('login_sessions.id', '=', 'agent_sessions.login_session_id'),
            ),
          ),
        )
        .limit(limit)
        .execute();
      return rows.map(toSession);
    },
    async get(accountId, id) {
      const row = await db
        .selectFrom('agent_sessions')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toSession(row);
    },
    async listLive(accountId) {
      const rows = await db
        .selectFrom('agent_sessions')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('ended_at', 'is', null)
        .orderBy('created_at')
        .execute();
      return rows.map(toSession);
    },
    async listLiveByLoginSession(loginSessionId) {
      const rows = await db
        .selectFrom('agent_sessions')
        .selectAll()
        .where('login_session_id', '=', loginSessionId)
        .where('ended_at', 'is', null)
        .execute();
      return rows.map(toSession);
    },
    async dueIdle(now, limit) {
      const rows = await db
        .selectFrom('agent_sessions')
        .selectAll()
        .where('ended_at', 'is', null)
        .where('idle_due_at', '<=', now)
        .orderBy('idle_due_at')
        .limit(limit)
        .execute();
      return rows.map(toSession);
    },
  };
}

export function offlineMessageRepository(db: Kysely<Database>): OfflineMessageRepository {
  return {
    async save(message: OfflineMessage) {
      await db
        .insertInto('offline_messages')
        .values({
          account_id: message.accountId,
          id: message.id,
          skill: message.skill,
          survey: JSON.stringify(message.survey),
          visitor: JSON.stringify(message.visitor),
          context: JSON.stringify(message.context),
          created_at: message.createdAt,
        })
        .execute();
    },
    async list(accountId, limit) {
      const rows = await db
        .selectFrom('offline_messages')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        accountId: row.account_id,
        id: row.id,
        skill: row.skill,
        survey: parseJson(row.survey, { surveyId: '', answers: [], submittedAt: 0 }),
        visitor: parseJson(row.visitor, { visitorIp: '', userAgent: '', referrer: '' }),
        context: parseJson(row.context, {}),
        createdAt: Number(row.created_at),
      }));
    },
  };
}

export function visitorIdentityRepository(db: Kysely<Database>): VisitorIdentityRepository {
  return {
    async save(accountId, participantId, claims, now) {
      await db
        .insertInto('visitor_identities')
        .values({
          account_id: accountId,
          participant_id: participantId,
          claims: JSON.stringify(claims),
          created_at: now,
        })
        .onConflict((oc) =>
          oc.columns(['account_id', 'participant_id']).doUpdateSet({ claims: JSON.stringify(claims) }),
        )
        .execute();
    },
    async get(accountId, participantId) {
      const row = await db
        .selectFrom('visitor_identities')
        .select('claims')
        .where('account_id', '=', accountId)
        .where('participant_id', '=', participantId)
        .executeTakeFirst();
      return row === undefined ? undefined : parseJson<Record<string, unknown>>(row.claims, {});
    },
  };
}
