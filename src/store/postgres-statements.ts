/**
 * Names for the statements a process runs again and again, so that each PostgreSQL connection
 * parses and plans them once (pg sends a named statement's Parse only the first time on a
 * connection) instead of on every execution. A statement is named the second time its text is
 * seen, so one-off texts (a batch of a size never seen again) stay unnamed; at most `limit` texts
 * are named, since each is kept by every connection of the pool.
 */
export class StatementNames {
  readonly #names = new Map<string, string>();
  readonly #seenOnce = new Set<string>();
  readonly #limit: number;

  constructor(limit = 500) {
    this.#limit = limit;
  }

  /** The name to prepare `sql` under, or undefined to send it unnamed. */
  nameOf(sql: string): string | undefined {
    const named = this.#names.get(sql);
    if (named !== undefined || this.#names.size >= this.#limit) return named;
    if (!this.#seenOnce.has(sql)) {
      // Bounded like the names: past it, a text seen once more is simply never named.
      if (this.#seenOnce.size < this.#limit * 4) this.#seenOnce.add(sql);
      return undefined;
    }
    this.#seenOnce.delete(sql);
    const name = `parley_${this.#names.size + 1}`;
    this.#names.set(sql, name);
    return name;
  }
}

/**
 * PostgreSQL refuses a prepared statement whose result columns changed under it ("cached plan
 * must not change result type": another node migrated the schema). Only that connection's
 * statements are stale: it is discarded, and the request answered as retryable.
 */
export function isStalePlan(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return code === '0A000' && error instanceof Error && /cached plan/i.test(error.message);
}
