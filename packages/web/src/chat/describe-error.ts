import { ParleyError } from '@parley/sdk';

/** Whether the server answered 404: for a survey, "none configured" (server-chat §9 item 13). */
export const isNotFound = (error: unknown): boolean => error instanceof ParleyError && error.status === 404;

/** One sentence for a failure: the server's message with its status and legacy code. */
export function describeError(error: unknown): string {
  if (error instanceof ParleyError) {
    // status 0: no answer even after the SDK's retries (platform §6.1).
    if (error.isNetworkError) return 'We could not reach the chat server. Please check your connection and try again.';
    const code = error.code === undefined ? '' : `, code ${error.code}`;
    return `${error.message} (HTTP ${error.status}${code})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * `describeError` as a rejection for SurveyForm, which shows a rejection's message in its own alert:
 * this way the status and code reach the visitor there too.
 */
export function rethrowDescribed(error: unknown): never {
  throw new Error(describeError(error), { cause: error });
}
