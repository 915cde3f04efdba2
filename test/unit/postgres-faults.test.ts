import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { ErrorCode } from '../../src/core/errors.js';
import {
  databaseUnavailable,
  isConnectionFailure,
  isNetworkError,
  isRetryableServerError,
} from '../../src/store/postgres-faults.js';

/** An error as PostgreSQL sends it, with its SQLSTATE. */
const serverError = (code: string): pg.DatabaseError => {
  const error = new pg.DatabaseError('server says no', 0, 'error');
  error.code = code;
  return error;
};

const socketError = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });

describe('which PostgreSQL failures are worth a retry', () => {
  for (const code of ['57P01', '57P02', '57P03', '08006', '08001', '53300', '53100', '40001', '40P01', '57014']) {
    it(`retries SQLSTATE ${code}`, () => assert.equal(isRetryableServerError(serverError(code)), true));
  }

  for (const code of ['23505', '23503', '42P01', '42601', '22P02']) {
    it(`does not retry SQLSTATE ${code}, which is a bug or a rule`, () =>
      assert.equal(isRetryableServerError(serverError(code)), false));
  }

  it('tells socket errors by their errno code', () => {
    assert.equal(isNetworkError(socketError('ECONNREFUSED')), true);
    assert.equal(isNetworkError(socketError('ECONNRESET')), true);
    assert.equal(isNetworkError(socketError('EACCES')), false);
    assert.equal(isNetworkError(serverError('57P01')), false);
  });

  it('counts client-side failures (terminated, timed out) as connection failures, not server verdicts or our bugs', () => {
    assert.equal(isConnectionFailure(new Error('Connection terminated unexpectedly')), true);
    assert.equal(isConnectionFailure(new Error('Query read timeout')), true);
    assert.equal(isConnectionFailure(serverError('23505')), false);
    assert.equal(isConnectionFailure(new TypeError('cannot serialise')), false);
    assert.equal(isConnectionFailure('not an error'), false);
  });

  it('reports a fault as UNAVAILABLE with a retry delay and the cause kept for the log', () => {
    const cause = serverError('57P01');
    const error = databaseUnavailable(cause);
    assert.equal(error.code, ErrorCode.UNAVAILABLE);
    assert.ok((error.retryAfterMs ?? 0) >= 1_000);
    assert.equal(error.cause, cause);
    assert.doesNotMatch(error.message, /server says no/);
  });
});
