import type { z } from 'zod';
import { AppError, ErrorCode } from '../../core/errors.js';

/**
 * Reads a request's body or query through the schema beside its route (docs/ARCHITECTURE.md, "Input
 * at the edge"). The legacy layer has already turned XML into JSON; the use case receives the typed
 * result and never the wire shape. The first issue becomes a VALIDATION error carrying that issue's
 * message and path, so schemas word their messages as the API's clients are told them. A AppError
 * thrown inside a schema's transform (another code than VALIDATION) passes through unchanged.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new AppError(ErrorCode.VALIDATION, issue?.message ?? 'The request is malformed', {
    ...(issue === undefined || issue.path.length === 0 ? {} : { field: issue.path.join('.') }),
  });
}
