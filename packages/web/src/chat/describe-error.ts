import { ParleyError } from '@parley/sdk';

/** Whether the server answered 404: for a survey, "none configured" (server-chat §9 item 13). */
export const isNotFound = (error: unknown): boolean => error instanceof ParleyError && error.status === 404;

/**
 * One plain sentence for a visitor: what happened and what to do, never a status or a legacy code
 * (those are for whoever runs the site: see `technicalDetail`). A survey's own wording mistakes
 * (400 with a field) still read as "check what you entered".
 */
export function describeError(error: unknown): string {
  if (!(error instanceof ParleyError)) return 'Something went wrong. Please try again.';
  // status 0: no answer even after the SDK's retries (platform §6.1).
  if (error.isNetworkError) return 'We could not reach the chat service. Please check your connection and try again.';
  if (error.status === 401 || error.status === 403)
    return 'The chat is not set up correctly on this site, so it cannot connect. Please contact the site instead.';
  if (error.status === 404) return 'This is no longer available.';
  if (error.status === 413) return 'That is too long. Please shorten it and try again.';
  if (error.status === 429) return 'We are getting a lot of requests right now. Please wait a moment and try again.';
  if (error.status >= 500) return 'The chat service is having trouble right now. Please try again in a moment.';
  return 'That did not go through. Please check what you entered and try again.';
}

/** The failure as whoever runs the site needs it: the server's message, status and legacy code. */
export function technicalDetail(error: unknown): string {
  if (error instanceof ParleyError) {
    const code = error.code === undefined ? '' : `, code ${error.code}`;
    return `${error.message} (HTTP ${error.status}${code})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * `describeError` as a rejection for SurveyForm, which shows a rejection's message in its own alert;
 * the details go to the console.
 */
export function rethrowDescribed(error: unknown): never {
  console.warn('Chat:', technicalDetail(error));
  throw new Error(describeError(error), { cause: error });
}
