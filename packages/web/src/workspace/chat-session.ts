import type { AgentChat, ChatEvent, Survey, VisitInfo } from '@parley/sdk';
import type { ChatRole, Participants } from './participants.js';
import type { DraftAnswers } from '../shared/survey-logic.js';
import { describeError, isChatLost, isLoginGone } from './errors.js';
import type { SavedDraft } from './saved-workspace.js';
import { realVisitorName } from './visitor-name.js';

/** What a chat tab shows; replaced (never mutated) on every change, as useSyncExternalStore needs. */
export interface ChatSnapshot {
  /** Every event so far, each once, in id order. */
  events: readonly ChatEvent[];
  /** `waiting`, `chatting`, `ended`, or '' until known. */
  state: string;
  visitorName: string;
  /** Lines that arrived while the tab was not selected. */
  unread: number;
  /** Why the live transcript is interrupted, while it is. */
  problem: string | undefined;
  /** The chat is no longer this agent's (transferred away, or gone from the server). */
  lostReason: string | undefined;
  /** The agent survey was submitted. */
  isWrappedUp: boolean;
  /** This agent's place in the chat: its holder, or a participant beside the holder. */
  role: ChatRole;
  /** Who is in the chat besides the visitor; undefined until first read (or when it cannot be). */
  participants: Participants | undefined;
  /** Why the participants could not be read, while they cannot. */
  participantsProblem: string | undefined;
  /** Bumped when something (a suggested reply) puts text in the composer, which then shows it. */
  draftRevision: number;
}

/** Pauses between reconnection attempts after the event feed failed (the SDK already retried). */
const RECONNECT_DELAYS_MS = [2_000, 5_000, 10_000, 20_000];

/** Whether a line counts as unread: anything the visitor or another agent wrote. */
const isNews = (event: ChatEvent): boolean =>
  event.type === 'line' && (event.source === 'visitor' || event.subType === 'ONLY_TO_REP');

/** Participant events change who is in the chat: the participants list is read again after one. */
const changesParticipants = (event: ChatEvent): boolean => event.type === 'participant';

/**
 * One chat's live state, kept outside React so that a tab that is not shown still follows its chat
 * (unread counts, the visitor ending it) and a re-render never restarts the feed.
 */
export class ChatSession {
  private snapshot: ChatSnapshot = {
    events: [],
    state: '',
    visitorName: '',
    unread: 0,
    problem: undefined,
    lostReason: undefined,
    isWrappedUp: false,
    role: 'holder',
    participants: undefined,
    participantsProblem: undefined,
    draftRevision: 0,
  };
  private readonly listeners = new Set<() => void>();
  private readonly stopped = new AbortController();
  /** The highest event id taken: a reconnect resumes after it, and nothing at or below it is added twice. */
  private cursor = -1;
  private isSelected = false;
  private visitInfo: Promise<VisitInfo> | undefined;

  private agentSurvey: Promise<Survey> | undefined;

  /** The composer's unsent text, HTML and audience choices, kept here so that switching tabs loses none. */
  draft: SavedDraft = { text: '', isHtml: false, isAgentOnly: false };
  /** The wrap-up survey's answers so far, kept for the same reason. */
  surveyDraft: DraftAnswers | undefined;
  /** The participants read in flight, so that a burst of participant events reads them once more, not once each. */
  private participantsReading: Promise<void> | undefined;
  private participantsStale = false;
  /** Told of visitor lines (and agent-only notes) that arrived out of the agent's view: desktop notifications. */
  onNews: ((lines: readonly ChatEvent[]) => void) | undefined;

  constructor(
    readonly chat: AgentChat,
    /** Told when a request of this chat finds the login gone for good; components report there too. */
    readonly onLoginGone: (error: unknown) => void,
    /** Told when the draft changed (typed, sent, a suggested reply): it is kept across a reload. */
    private readonly onDraftChange: (draft: SavedDraft) => void = () => undefined,
  ) {
    this.snapshot = { ...this.snapshot, role: chat.role };
  }

  get id(): string {
    return this.chat.id;
  }

  /**
   * Starts following the chat: its history, then live events, and who is in it. `isHistoryRead`:
   * the history was already in front of the agent (a tab reopened after a reload), so it is not
   * counted as unread.
   */
  start(options: { isHistoryRead?: boolean } = {}): void {
    void this.loadInfo();
    void (options.isHistoryRead === true ? this.readHistory().then(() => this.follow()) : this.follow());
    void this.readParticipants();
  }

  /** The history so far, taken as read; a failure is left to the live feed, which reads it again. */
  private async readHistory(): Promise<void> {
    try {
      this.take(await this.chat.history(0), { isRead: true });
    } catch (error) {
      if (isLoginGone(error)) this.onLoginGone(error);
    }
  }

  /** Whether this agent holds the chat (rather than listening or assisting beside the holder). */
  get isHolder(): boolean {
    return this.snapshot.role === 'holder';
  }

  /** This agent joined again with another role (a listener now assisting), or took the chat over. */
  setRole(role: ChatRole): void {
    if (role !== this.snapshot.role) this.update({ role });
    void this.readParticipants();
  }

  /** Puts text in the composer (a suggested reply), replacing what was there; the agent edits and sends it. */
  putInComposer(text: string): void {
    this.draft.text = text;
    this.draftChanged();
    this.update({ draftRevision: this.snapshot.draftRevision + 1 });
  }

  /** The composer changed the draft. */
  draftChanged(): void {
    this.onDraftChange(this.draft);
  }

  /** Takes the chat over from its holder: this agent holds it from now on. */
  async takeOver(): Promise<void> {
    await this.chat.takeOver();
    this.setRole('holder');
  }

  /**
   * The session stream says the chat is no longer this agent's (taken over, transferred by someone
   * else, requeued): the tab says so at once, rather than when the event feed is next refused.
   */
  loseHold(): void {
    if (!this.isHolder || this.snapshot.lostReason !== undefined || this.snapshot.state === 'ended') return;
    this.update({ lostReason: 'This chat is no longer assigned to you.', problem: undefined });
    this.stop();
  }

  /** Leaves the chat as a participant; the tab then says so and can close. */
  async leave(): Promise<void> {
    await this.chat.leave();
    this.update({ lostReason: 'You left this chat.' });
    this.stop();
  }

  /** Stops every request of this session (tab closed, signed out). */
  stop(): void {
    this.stopped.abort();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): ChatSnapshot => this.snapshot;

  /**
   * The selected tab has nothing unread once the page is in view: its lines are in front of the
   * agent. Called again when the page comes back into view.
   */
  setSelected(isSelected: boolean): void {
    this.isSelected = isSelected;
    if (this.isInView() && this.snapshot.unread > 0) this.update({ unread: 0 });
  }

  /** Selected, in a page that is not hidden (another browser tab, minimised). */
  private isInView(): boolean {
    return this.isSelected && !(typeof document !== 'undefined' && document.hidden);
  }

  /** The visitor's details, read once per chat (a failure is not kept: the next call asks again). */
  visit(): Promise<VisitInfo> {
    this.visitInfo ??= this.chat.visit().catch((error: unknown) => {
      this.visitInfo = undefined;
      throw error;
    });
    return this.visitInfo;
  }

  /** The account's agent survey, read once per chat (a failure is not kept, as for the visit). */
  survey(): Promise<Survey> {
    this.agentSurvey ??= this.chat.survey().catch((error: unknown) => {
      this.agentSurvey = undefined;
      throw error;
    });
    return this.agentSurvey;
  }

  /** The agent survey is done: the tab says so, even after switching away and back. */
  markWrappedUp(): void {
    this.update({ isWrappedUp: true });
  }

  /** Transfers the chat away; afterwards the tab can close (chat-agent-api §3.23). */
  async transfer(target: Parameters<AgentChat['transfer']>[0]): Promise<void> {
    await this.chat.transfer(target);
    this.update({ lostReason: 'Transferred' });
    this.stop();
  }

  private update(change: Partial<ChatSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    for (const listener of this.listeners) listener();
  }

  private async loadInfo(): Promise<void> {
    try {
      const info = await this.chat.info();
      const change: Partial<ChatSnapshot> = {};
      // A line from the visitor may already have named them; the info is only a first guess.
      if (this.snapshot.visitorName === '') change.visitorName = realVisitorName(info.visitorName) ?? 'Visitor';
      // `ended` comes from the event feed, after the lines before it; taken from here it would
      // stop the feed from reading them.
      if (this.snapshot.state === '' && info.state !== 'ended') change.state = info.state;
      this.update(change);
    } catch (error) {
      if (isLoginGone(error)) this.onLoginGone(error);
      else if (this.snapshot.visitorName === '') this.update({ visitorName: 'Visitor' });
    }
  }

  private take(events: readonly ChatEvent[], options: { isRead?: boolean } = {}): void {
    const fresh = events.filter((event) => event.id > this.cursor);
    if (fresh.length === 0) {
      if (this.snapshot.problem !== undefined) this.update({ problem: undefined });
      return;
    }
    this.cursor = Math.max(...fresh.map((event) => event.id));
    const change: Partial<ChatSnapshot> = {
      events: [...this.snapshot.events, ...fresh].sort((a, b) => a.id - b.id),
      problem: undefined,
    };
    if (fresh.some(changesParticipants)) void this.readParticipants();
    for (const event of fresh) {
      if (event.type === 'state' && event.state !== undefined) change.state = event.state;
      // The `by` of a visitor line is the name the visitor goes by now (server-chat §3.14) — unless
      // it is the "You" an unnamed visitor's lines carry: lines read again after a reload would
      // otherwise rename the visitor "You".
      const named = event.source === 'visitor' ? realVisitorName(event.by) : undefined;
      if (named !== undefined) change.visitorName = named;
    }
    const news = this.isInView() || options.isRead === true ? [] : fresh.filter(isNews);
    if (news.length > 0) change.unread = this.snapshot.unread + news.length;
    this.update(change);
    if (news.length > 0) this.onNews?.(news);
  }

  /**
   * Reads who is in the chat. One read at a time; a change announced during a read is read again
   * after it, so the list never stays behind the last participant event.
   */
  private async readParticipants(): Promise<void> {
    if (this.participantsReading !== undefined) {
      this.participantsStale = true;
      return this.participantsReading;
    }
    this.participantsReading = (async () => {
      do {
        this.participantsStale = false;
        if (this.stopped.signal.aborted) return;
        try {
          this.update({ participants: await this.chat.participants(), participantsProblem: undefined });
        } catch (error) {
          if (isLoginGone(error)) this.onLoginGone(error);
          // The panel keeps the last list and says why it may be out of date; a lost chat is the transcript's to report.
          else this.update({ participantsProblem: describeError(error) });
        }
      } while (this.participantsStale);
    })().finally(() => {
      this.participantsReading = undefined;
    });
    return this.participantsReading;
  }

  /** Follows the events; after a failure, shows it and resumes from the cursor until the chat ends. */
  private async follow(): Promise<void> {
    const signal = this.stopped.signal;
    let failures = 0;
    while (!signal.aborted && this.snapshot.state !== 'ended') {
      try {
        // events() yields one at a time; take() dedupes by id, so a resumed feed never repeats a line.
        for await (const event of this.chat.events({ from: this.cursor + 1, signal })) {
          this.take([event]);
          failures = 0;
        }
        if (signal.aborted || this.snapshot.state === 'ended') return;
        // The feed ended without `ended`: the chat was transferred away, or ended as we reconnected.
        await this.settle();
        return;
      } catch (error) {
        if (signal.aborted) return;
        if (isLoginGone(error)) {
          this.onLoginGone(error);
          return;
        }
        if (isChatLost(error)) {
          this.update({ lostReason: 'This chat is no longer assigned to you.', problem: undefined });
          return;
        }
        this.update({ problem: `Live updates interrupted: ${describeError(error)} Reconnecting…` });
        const delay = RECONNECT_DELAYS_MS[Math.min(failures, RECONNECT_DELAYS_MS.length - 1)] ?? 20_000;
        failures += 1;
        await sleep(delay, signal);
        await this.catchUp();
      }
    }
  }

  /** One plain read of what was missed, to know the connection is back before streaming again. */
  private async catchUp(): Promise<void> {
    if (this.stopped.signal.aborted) return;
    try {
      this.take(await this.chat.history(this.cursor + 1));
    } catch {
      // Still failing: the next feed attempt reports it again.
    }
  }

  /** What an event feed that ended quietly means: transferred away, or ended. */
  private async settle(): Promise<void> {
    if (this.chat.hasTransferred) return;
    try {
      const info = await this.chat.info();
      if (info.state === 'ended') this.update({ state: 'ended' });
      else {
        // Still ours and open: follow again, after a pause so a misbehaving feed cannot spin.
        await sleep(2_000, this.stopped.signal);
        await this.follow();
      }
    } catch (error) {
      if (isLoginGone(error)) this.onLoginGone(error);
      else this.update({ lostReason: 'This chat is no longer assigned to you.' });
    }
  }
}

/** Waits `ms`, or less when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
