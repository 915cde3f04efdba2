import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_TEMPLATE_CHARS,
  checkStructuredContent,
  describeRefusal,
  isHttpsUrl,
} from '../../src/core/chats/structured-content.js';

const card = (elements: unknown) => ({ type: 'vertical', elements });

describe('structured content check (core)', () => {
  it('takes only absolute https addresses', () => {
    assert.ok(isHttpsUrl('https://example.com/a.png'));
    for (const refused of [
      'http://example.com/a.png',
      'javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      'data:image/png;base64,AAAA',
      '//example.com/a.png',
      '/a.png',
      'https:',
      `https://example.com/${'a'.repeat(2048)}`,
    ]) {
      assert.equal(isHttpsUrl(refused), false, refused);
    }
  });

  it('keeps a JSON template as posted: key order and keys it does not know', () => {
    const posted = card([
      { style: { size: 'large', bold: true }, text: 'Hi', type: 'text', tag: 'title', accessibility: { web: 'x' } },
    ]);
    const checked = checkStructuredContent(posted);
    assert.ok(checked.ok);
    assert.equal(JSON.stringify(checked.content), JSON.stringify(posted));
  });

  it('keeps a posted "__proto__" key a plain key', () => {
    const posted = JSON.parse('{"type":"vertical","elements":[{"type":"text","text":"x"}],"__proto__":{"polluted":1}}');
    const checked = checkStructuredContent(posted);
    assert.ok(checked.ok);
    assert.equal(Object.getPrototypeOf(checked.content), Object.prototype);
    assert.equal((checked.content as { polluted?: number }).polluted, undefined);
  });

  it('reads the XML shapes (a list of one, numbers and booleans as text) as JSON ones', () => {
    const checked = checkStructuredContent({
      type: 'vertical',
      elements: { type: 'text', text: 'x', rtl: 'false', style: { bold: 'true', italic: 'false' } },
      quickReplies: {
        type: 'quickReplies',
        itemsPerRow: '2',
        replies: { type: 'button', title: 'Yes', click: { actions: { type: 'publishText', text: 'Yes' } } },
      },
    });
    assert.ok(checked.ok);
    assert.deepEqual(checked.content, {
      type: 'vertical',
      elements: [{ type: 'text', text: 'x', rtl: false, style: { bold: true, italic: false } }],
      quickReplies: {
        type: 'quickReplies',
        itemsPerRow: 2,
        replies: [{ type: 'button', title: 'Yes', click: { actions: [{ type: 'publishText', text: 'Yes' }] } }],
      },
    });
  });

  it('refuses a template past its size, and names where a fault is', () => {
    const big = checkStructuredContent(card([{ type: 'text', text: 'x'.repeat(MAX_TEMPLATE_CHARS) }]));
    assert.equal(big.ok, false);
    const bad = checkStructuredContent(
      card([
        { type: 'text', text: 'x' },
        { type: 'image', url: 'http://x.example/' },
      ]),
    );
    assert.ok(!bad.ok);
    assert.equal(bad.path, 'elements[1].url');
    assert.match(describeRefusal(bad), /^Invalid structured content at json\.elements\[1\]\.url: /);
  });

  it('refuses quick replies past LivePerson limits', () => {
    const reply = { type: 'button', title: 'x', click: { actions: [{ type: 'publishText', text: 'x' }] } };
    const tooWide = checkStructuredContent({
      ...card([{ type: 'text', text: 'x' }]),
      quickReplies: { type: 'quickReplies', itemsPerRow: 9, replies: [reply] },
    });
    assert.equal(tooWide.ok, false);
    const tooMany = checkStructuredContent({
      ...card([{ type: 'text', text: 'x' }]),
      quickReplies: { type: 'quickReplies', replies: Array.from({ length: 25 }, () => reply) },
    });
    assert.equal(tooMany.ok, false);
  });
});
