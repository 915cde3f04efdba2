/**
 * One read shared by everyone who asks while it is under way, with a guarantee: a caller gets the
 * answer of a read that was sent after it asked. A read already sent when a caller asks may have
 * been answered before a write the caller must see, so that caller waits for the next one, which
 * every other caller arriving meanwhile shares too. Under load one read is in flight at a time,
 * whatever the number of callers; alone, a caller waits for a single read.
 */
export function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  /** The read sent last, until it settles. */
  let inFlight: Promise<T> | undefined;
  /** The read to send once `inFlight` settles, shared by everyone who asked since it was sent. */
  let next: Promise<T> | undefined;

  const send = (): Promise<T> => {
    const sent = read();
    inFlight = sent;
    const settle = () => {
      if (inFlight === sent) inFlight = undefined;
    };
    sent.then(settle, settle);
    return sent;
  };

  return () => {
    if (inFlight === undefined) return send();
    next ??= inFlight
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        next = undefined;
        return send();
      });
    return next;
  };
}
