/**
 * `compute` remembered by key, for at most `limit` keys: when full, everything is forgotten at once.
 * For hot paths whose keys repeat (a statement's text, a caller's credential, a zone's minute):
 * cheaper than least-recently-used bookkeeping, and a key forgotten only costs computing it again.
 * The key is the first argument unless `keyOf` says otherwise; arguments that give the same key
 * must give the same value.
 */
export function boundedMemo<A extends [unknown, ...unknown[]], V>(
  limit: number,
  compute: (...args: A) => V,
  keyOf: (...args: A) => string = (...args) => String(args[0]),
): (...args: A) => V {
  const memo = new Map<string, V>();
  return (...args) => {
    const key = keyOf(...args);
    let value = memo.get(key);
    if (value === undefined) {
      if (memo.size >= limit) memo.clear();
      value = compute(...args);
      memo.set(key, value);
    }
    return value;
  };
}
