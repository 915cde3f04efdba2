/** Told of an after-commit callback that threw; the transaction has committed regardless. */
export type AfterCommitErrorReporter = (error: unknown) => void;

/** The default reporter: a process warning, so that the failure is seen but fails nothing. */
export const warnOfAfterCommitError: AfterCommitErrorReporter = (error) => {
  process.emitWarning(error instanceof Error ? error : String(error), 'AfterCommitWarning');
};

/**
 * Runs a committed transaction's callbacks in the order they were registered (Transaction.afterCommit).
 * One that throws is reported and the rest still run: the commit stands, so no caller may see it fail.
 */
export function runAfterCommit(callbacks: readonly (() => void)[], report: AfterCommitErrorReporter): void {
  for (const callback of callbacks) {
    try {
      callback();
    } catch (error) {
      report(error);
    }
  }
}
