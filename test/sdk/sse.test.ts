import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParleyError, readServerSentEvents, type SseMessage } from '../../packages/sdk/src/index.js';
import { errorFromResponse } from '../../packages/sdk/src/errors.js';
import { retryAfterMs } from '../../packages/sdk/src/retry.js';

/** A body made of these chunks, then closed (or broken off with `error`). */
function bodyOf(chunks: (string | Uint8Array)[], error?: Error): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[index];
      index += 1;
      if (chunk !== undefined) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      else if (error !== undefined) controller.error(error);
      else controller.close();
    },
  });
}

async function readAll(body: ReadableStream<Uint8Array>): Promise<SseMessage[]> {
  const messages: SseMessage[] = [];
  for await (const message of readServerSentEvents(body)) messages.push(message);
  return messages;
}

describe('readServerSentEvents', () => {
  it('reads ids, event names, multi-line data and skips comments', async () => {
    const messages = await readAll(
      bodyOf([': stream open\n\n', 'id: 1\ndata: {"a":1}\n\n', 'event: ring\ndata: line one\ndata: line two\n\n']),
    );
    assert.deepEqual(messages, [
      { id: '1', event: 'message', data: '{"a":1}' },
      // The last event ID persists across messages (WHATWG HTML §9.2.6).
      { id: '1', event: 'ring', data: 'line one\nline two' },
    ]);
  });

  it('accepts CRLF, CR and LF, also when a chunk splits a line ending or a character', async () => {
    const euro = new TextEncoder().encode('data: €\n\n');
    const messages = await readAll(
      bodyOf(['id: 7\r', '\ndata: a\r\n\r', '\nid: 8\rdata: b\r\r', euro.slice(0, 7), euro.slice(7)]),
    );
    assert.deepEqual(
      messages.map((message) => [message.id, message.data]),
      [
        ['7', 'a'],
        ['8', 'b'],
        ['8', '€'],
      ],
    );
  });

  it('drops a message the stream ends or breaks in the middle of', async () => {
    assert.deepEqual(await readAll(bodyOf(['id: 1\ndata: whole\n\n', 'id: 2\ndata: {"half":'])), [
      { id: '1', event: 'message', data: 'whole' },
    ]);
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const message of readServerSentEvents(
        bodyOf(['id: 1\ndata: whole\n\nid: 2\ndata: {"ha'], new TypeError('terminated')),
      )) {
        seen.push(message.data);
      }
    }, TypeError);
    assert.deepEqual(seen, ['whole']);
  });

  it('calls onIdle when nothing arrives for idleTimeoutMs', async () => {
    let isIdle = false;
    const controller = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(stream) {
        stream.enqueue(new TextEncoder().encode(': open\n\n'));
        controller.signal.addEventListener('abort', () => stream.error(new Error('closed')));
      },
    });
    await assert.rejects(async () => {
      for await (const _message of readServerSentEvents(body, {
        idleTimeoutMs: 30,
        onIdle: () => {
          isIdle = true;
          controller.abort();
        },
      })) {
        assert.fail('no message expected');
      }
    }, /closed/);
    assert.ok(isIdle);
  });
});

describe('errors and Retry-After', () => {
  it('reads every error body shape of the legacy APIs', () => {
    const envelope = errorFromResponse(
      401,
      '{"error":{"time":"Sep 22, 2016 4:10:15 PM","message":"CSRF token invalid!","internalCode":10,"responseStatus":"UNAUTHORIZED"}}',
    );
    assert.ok(envelope instanceof ParleyError);
    assert.deepEqual([envelope.status, envelope.code, envelope.message], [401, 10, 'CSRF token invalid!']);
    const bare = errorFromResponse(
      401,
      '{"time":1503028861116,"message":"Invalid Account id: 12345678","internalCode":6}',
    );
    assert.deepEqual([bare.code, bare.message], [6, 'Invalid Account id: 12345678']);
    const transfer = errorFromResponse(400, '{"transfer":{"errormsg":"No agent with skill Billing is available"}}');
    assert.deepEqual([transfer.code, transfer.message], [undefined, 'No agent with skill Billing is available']);
    const oauth = errorFromResponse(401, 'oauth_problem=signature_invalid&oauth_problem_advice=the+oauth_signature');
    assert.deepEqual(
      [oauth.message, oauth.body],
      ['signature_invalid', 'oauth_problem=signature_invalid&oauth_problem_advice=the+oauth_signature'],
    );
    assert.equal(errorFromResponse(502, '').message, 'HTTP 502');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    assert.equal(retryAfterMs('3', now), 3_000);
    assert.equal(retryAfterMs('Thu, 01 Jan 2026 12:00:07 GMT', now), 7_000);
    assert.equal(retryAfterMs(null, now), undefined);
    assert.equal(retryAfterMs('soon', now), undefined);
  });
});
