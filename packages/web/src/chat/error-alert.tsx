import { describeError } from './describe-error.js';

/** A failure as an alert (announced at once by screen readers); nothing when there is none. */
export function ErrorAlert({ error }: { error: unknown }) {
  if (error === undefined) return null;
  return (
    <p className="alert" role="alert">
      {describeError(error)}
    </p>
  );
}
