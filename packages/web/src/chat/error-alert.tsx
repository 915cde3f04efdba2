import { useEffect } from 'react';
import { describeError, technicalDetail } from './describe-error.js';

/**
 * A failure as an alert in plain words (announced at once by screen readers); the technical detail
 * only in its title and the console, for whoever runs the site. Nothing when there is no failure.
 */
export function ErrorAlert({ error }: { error: unknown }) {
  useEffect(() => {
    if (error !== undefined) console.warn('Chat:', technicalDetail(error));
  }, [error]);
  if (error === undefined) return null;
  return (
    <p className="alert" role="alert" title={technicalDetail(error)}>
      {describeError(error)}
    </p>
  );
}
