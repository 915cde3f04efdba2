import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatEvent } from '../../packages/sdk/src/index.js';
import { ASSIST_GREETING, orderNumberAnswer, orderNumberTip } from '../../examples/assist-rules.js';
import { orderNumberIn, REFUND_REPLY, tipsFor } from '../../examples/tip-rules.js';

const line = (text: string, source = 'visitor'): ChatEvent => ({ id: 7, type: 'line', time: '', text, source });

describe('the tip bot’s rules', () => {
  it('finds an order number written as #N or after the word order', () => {
    assert.equal(orderNumberIn('Where is #12345?'), '12345');
    assert.equal(orderNumberIn('my order 12345 is late'), '12345');
    assert.equal(orderNumberIn('Order number: #98765'), '98765');
    assert.equal(orderNumberIn('order no. 4321 please'), '4321');
  });

  it('finds no order number in counts, short numbers or plain text', () => {
    assert.equal(orderNumberIn('I want to order 2 shirts'), undefined);
    assert.equal(orderNumberIn('room #12'), undefined);
    assert.equal(orderNumberIn('hello there'), undefined);
    assert.equal(orderNumberIn('I called 555 times'), undefined);
  });

  it('suggests looking up the order it names', () => {
    assert.deepEqual(tipsFor('Hi, where is order 12345?'), [
      {
        reply: 'I can see order 12345 — let me look it up for you.',
        note: 'The visitor mentions order 12345.',
      },
    ]);
  });

  it('suggests the refund policy for refund words, whatever their case', () => {
    for (const text of ['I want a REFUND', 'can I get my money back', 'how do I return this?', 'Refunds?']) {
      assert.deepEqual(
        tipsFor(text).map((tip) => tip.reply),
        [REFUND_REPLY],
        text,
      );
    }
  });

  it('gives both tips, the order first, for a line with both', () => {
    assert.deepEqual(
      tipsFor('I returned #55501, where is my refund?').map((tip) => tip.reply),
      ['I can see order 55501 — let me look it up for you.', REFUND_REPLY],
    );
  });

  it('gives no tip for a line that matches nothing (a word that merely contains one does not count)', () => {
    assert.deepEqual(tipsFor('Hello, I have a question about sizes'), []);
    assert.deepEqual(tipsFor('the returnee unit'), []);
  });
});

describe('the assist bot’s script', () => {
  it('asks for the order number', () => {
    assert.equal(ASSIST_GREETING, "Hi, I'm AssistBot. What is your order number?");
  });

  it('takes the number of a visitor’s answer, an order number first', () => {
    assert.equal(orderNumberAnswer(line('it is 12345')), '12345');
    assert.equal(orderNumberAnswer(line('2 items, order #777001')), '777001');
    assert.equal(orderNumberAnswer(line('42')), '42');
  });

  it('ignores lines without a number, lines of others and other events', () => {
    assert.equal(orderNumberAnswer(line('I do not know it')), undefined);
    assert.equal(orderNumberAnswer(line('order 12345', 'agent')), undefined);
    assert.equal(orderNumberAnswer(line('12345', 'system')), undefined);
    assert.equal(orderNumberAnswer({ id: 3, type: 'state', time: '', state: 'chatting' }), undefined);
    assert.equal(orderNumberAnswer({ id: 4, type: 'line', time: '', source: 'visitor' }), undefined);
  });

  it('reports the number to the agents', () => {
    assert.equal(orderNumberTip('12345'), 'Order number: 12345');
  });
});
