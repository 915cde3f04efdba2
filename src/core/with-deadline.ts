/**
 * True when `work` settles within `ms`, false once the deadline passes first (the work itself is
 * left to finish or fail on its own); a rejection within the deadline is thrown. The timer is
 * always cleared, so a deadline never holds the process open.
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
