import { useState } from 'react';
import { describeError } from './errors.js';

/**
 * One action at a time for a group of buttons: which one is under way (`pending`, by a key the
 * caller chooses) and why the last one failed (`problem`), for an inline alert.
 */
export function usePendingAction<Key>() {
  const [pending, setPending] = useState<Key | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  /** Runs `action` under `key`; a failure is reported as `failure: reason`. */
  const run = async (key: Key, failure: string, action: () => Promise<unknown>) => {
    setPending(key);
    setProblem(undefined);
    try {
      await action();
    } catch (error) {
      setProblem(`${failure}: ${describeError(error)}`);
    } finally {
      setPending(undefined);
    }
  };
  return { pending, problem, run };
}
