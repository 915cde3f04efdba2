/**
 * Tells every long-lived answer (an open stream, a waiting long-poll) that the server begins to
 * close, so it ends instead of holding the shutdown. A Set rather than an AbortSignal: an
 * EventTarget compares each listener added or removed with all it holds, and a thousand waiting
 * long-polls each add and remove one per request.
 */
export class ServerClosing {
  private readonly listeners = new Set<() => void>();
  private hasBegun = false;

  /**
   * Calls `listener` once when the server begins to close (in a microtask if it already has);
   * returns what stops listening.
   */
  listen(listener: () => void): () => void {
    if (this.hasBegun) {
      queueMicrotask(listener);
      return () => undefined;
    }
    // A wrapper per call, so that the same function listening twice is called twice.
    const entry = () => listener();
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** True once the server has begun to close (draining). */
  get isClosing(): boolean {
    return this.hasBegun;
  }

  begin(): void {
    if (this.hasBegun) return;
    this.hasBegun = true;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener();
  }
}
