/**
 * `compute` remembered by key, for at most `limit` keys: when full, everything is forgotten at once.
 * For hot paths whose keys repeat (a statement's text, a caller's credential, a zone's minute):
 * cheaper than least-recently-used bookkeeping, and a key forgotten only costs computing it again.
 */
export function boundedMemo<V>(limit: number, compute: (key: string) => V): (key: string) => V {
  const memo = new Map<string, V>();
  return (key) => {
    let value = memo.get(key);
    if (value === undefined) {
      if (memo.size >= limit) memo.clear();
      value = compute(key);
      memo.set(key, value);
    }
    return value;
  };
}
