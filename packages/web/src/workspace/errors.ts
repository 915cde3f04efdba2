import { ParleyError } from '@parley/sdk';

/**
 * Whether the login is gone for good: a 401 reaches us only after the SDK already tried to log in
 * again with the stored credentials and was refused (platform §6.1).
 */
export function isLoginGone(error: unknown): boolean {
  return error instanceof ParleyError && error.status === 401;
}

/** Whether the chat is no longer this agent's to read (transferred away, 403) or no longer exists (404). */
export function isChatLost(error: unknown): boolean {
  return error instanceof ParleyError && (error.status === 403 || error.status === 404);
}

/** A sentence to show for a failed request; the server's own message when it sent one. */
export function describeError(error: unknown): string {
  if (error instanceof ParleyError) {
    if (error.isNetworkError) return 'Parley cannot be reached. Check your connection and try again.';
    if (error.status === 429) return 'Too many requests right now. Wait a moment and try again.';
    if (error.status >= 500) return `Parley had a problem (${error.status}). Try again in a moment.`;
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** What a failed log-in means to the person typing the credentials. */
export function describeLoginError(error: unknown): string {
  if (error instanceof ParleyError) {
    // internalCode 6: the account id is unknown (platform §1.5), on the Domain API or the login.
    if (error.code === 6) return `There is no account with that number. (${error.message})`;
    if (error.status === 401) return 'The username or password is not correct.';
    if (error.status === 403) return `This user may not log in here. (${error.message})`;
  }
  return describeError(error);
}
