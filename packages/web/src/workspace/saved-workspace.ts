import type { AgentSavedState } from '@parley/sdk';
import type { ChatRole } from './participants.js';

/** A chat's unsent text and choices. */
export interface SavedDraft {
  text: string;
  isHtml: boolean;
  isAgentOnly: boolean;
}

/** An open chat tab, in tab order. */
export interface SavedChat {
  id: string;
  role: ChatRole;
}

/**
 * What this tab needs to come back after a reload: the login and agent session to resume (the
 * SDK's saved state), who logged in, the open tabs and their drafts. Kept in sessionStorage: per
 * tab, gone when the tab closes, never shared with other tabs or kept on disk for later.
 */
export interface SavedWorkspace {
  login: AgentSavedState;
  username: string;
  chats: SavedChat[];
  selectedId: string | undefined;
  drafts: Record<string, SavedDraft>;
}

const KEY = 'parley.workspace';
const ROLES: readonly string[] = ['holder', 'listener', 'assistant'];

/** sessionStorage, or undefined where it is refused (privacy modes, sandboxed frames). */
function storage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The saved workspace, or undefined when there is none or it is not readable (then it is dropped). */
export function readSavedWorkspace(): SavedWorkspace | undefined {
  const raw = storage()?.getItem(KEY);
  if (raw === null || raw === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (!isRecord(value) || !isRecord(value.login)) throw new Error('not a saved workspace');
    const { login } = value;
    const accountId = text(login.accountId);
    const bearer = text(login.bearer);
    const csrf = text(login.csrf);
    const agentSessionId = text(login.agentSessionId);
    if (accountId === undefined || bearer === undefined || csrf === undefined || agentSessionId === undefined) {
      throw new Error('the saved login is incomplete');
    }
    const chats = (Array.isArray(value.chats) ? value.chats : []).flatMap((chat: unknown): SavedChat[] => {
      if (!isRecord(chat)) return [];
      const id = text(chat.id);
      const role = text(chat.role);
      return id === undefined || role === undefined || !ROLES.includes(role) ? [] : [{ id, role: role as ChatRole }];
    });
    const drafts: Record<string, SavedDraft> = {};
    if (isRecord(value.drafts)) {
      for (const [id, draft] of Object.entries(value.drafts)) {
        if (!isRecord(draft)) continue;
        drafts[id] = {
          text: text(draft.text) ?? '',
          isHtml: draft.isHtml === true,
          isAgentOnly: draft.isAgentOnly === true,
        };
      }
    }
    return {
      login: {
        accountId,
        bearer,
        csrf,
        agentSessionId,
        sessionCookie: text(login.sessionCookie),
        userId: text(login.userId),
        loginName: text(login.loginName),
      },
      username: text(value.username) ?? '',
      chats,
      selectedId: text(value.selectedId),
      drafts,
    };
  } catch {
    clearSavedWorkspace();
    return undefined;
  }
}

function write(value: SavedWorkspace): void {
  try {
    storage()?.setItem(KEY, JSON.stringify(value));
  } catch {
    // Storage full or refused: a reload then asks to log in, as it did before.
  }
}

/** Saves a fresh login: no tabs, no drafts yet. */
export function saveLogin(login: AgentSavedState, username: string): void {
  write({ login, username, chats: [], selectedId: undefined, drafts: {} });
}

/** Changes the saved workspace, if there is one (after sign-out there is none to change). */
export function updateSavedWorkspace(change: (saved: SavedWorkspace) => SavedWorkspace): void {
  const saved = readSavedWorkspace();
  if (saved !== undefined) write(change(saved));
}

/** Forgets the saved login, tabs and drafts (sign-out, a login that ended). */
export function clearSavedWorkspace(): void {
  try {
    storage()?.removeItem(KEY);
  } catch {
    // Nothing could be saved either.
  }
}

/** How long typing pauses before the draft is written: not a storage write per keystroke. */
const DRAFT_DEBOUNCE_MS = 400;

/** Writes drafts as they are typed, debounced; `flush()` writes what is pending at once (page hidden). */
export class DraftSaver {
  private readonly pending = new Map<string, SavedDraft>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** The draft of `chatId` changed; an empty one is forgotten rather than kept. */
  schedule(chatId: string, draft: SavedDraft): void {
    this.pending.set(chatId, { ...draft });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), DRAFT_DEBOUNCE_MS);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const changes = [...this.pending];
    this.pending.clear();
    updateSavedWorkspace((saved) => {
      const drafts = { ...saved.drafts };
      for (const [id, draft] of changes) {
        if (draft.text === '' && !draft.isHtml && !draft.isAgentOnly) delete drafts[id];
        else drafts[id] = draft;
      }
      return { ...saved, drafts };
    });
  }

  /** Drops what is pending (signed out: nothing is to be written any more). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
