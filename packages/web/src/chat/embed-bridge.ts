/**
 * The message embed.js listens for to close its frame. The host page's origin is unknown here (the
 * page is served with `Referrer-Policy: no-referrer`), hence `*`; the message carries nothing
 * private, and embed.js accepts it only from its own frame and Parley's origin.
 */
export const CLOSE_MESSAGE = 'parley:close';

/** Asks embed.js to close the frame this window is in. */
export function requestClose(): void {
  window.parent.postMessage({ type: CLOSE_MESSAGE }, '*');
}
