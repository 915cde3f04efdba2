import { ErrorCode, isAppError } from '../../src/core/errors.js';

/** Whether `error` is the catalogue's refusal of a body the server will not read (400 / 40). */
export const isBodyMalformed = (error: unknown): boolean =>
  isAppError(error) && error.code === ErrorCode.BODY_MALFORMED;
