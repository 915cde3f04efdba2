/** The largest integer a visitor id can be and still survive JSON in every client (2^53 − 1). */
const MAX_ID = Number.MAX_SAFE_INTEGER;

/** A random integer in 1…2^53−1. */
function randomVisitorId(): number {
  const [high = 0, low = 0] = crypto.getRandomValues(new Uint32Array(2));
  // 21 random high bits and 32 low bits make 53; 0 is not a valid id, so it maps to 1.
  return ((high & 0x1fffff) * 2 ** 32 + low) % MAX_ID || 1;
}

/**
 * This browser's visitor id for an account, kept in localStorage so that every chat of this visitor
 * carries the same id and the agent sees the earlier ones (server-chat §3.8 `visitorId`). Framed on
 * a foreign site, storage may be blocked (third-party storage rules): the id then lasts one page.
 */
export function visitorIdFor(accountId: string): number {
  const key = `parley.visitorId.${accountId}`;
  try {
    const stored = Number(localStorage.getItem(key));
    if (Number.isSafeInteger(stored) && stored > 0) return stored;
    const id = randomVisitorId();
    localStorage.setItem(key, String(id));
    return id;
  } catch {
    return randomVisitorId();
  }
}
