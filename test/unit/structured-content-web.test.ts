import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildCard,
  emptyCardDraft,
  httpsUrl,
  summaryOf,
} from '../../packages/web/src/shared/structured-content-model.js';
import { checkStructuredContent } from '../../src/core/chats/structured-content.js';

describe('structured content in the web apps', () => {
  it('draws only https addresses', () => {
    assert.equal(httpsUrl('https://example.com/a.png'), 'https://example.com/a.png');
    for (const refused of ['http://example.com/', 'javascript:alert(1)', ' data:text/html,x', '/a', 42, undefined]) {
      assert.equal(httpsUrl(refused), undefined, String(refused));
    }
  });

  it('builds from the card composer a template the server takes', () => {
    const built = buildCard({
      title: ' Birthday Bouquet ',
      text: 'Wild flowers',
      imageUrl: 'https://images.example.com/b.png',
      buttons: [
        { label: 'Yes please', kind: 'reply', value: '' },
        { label: 'Shop', kind: 'link', value: 'https://shop.example.com/' },
      ],
    });
    assert.ok('json' in built);
    assert.deepEqual(built.json, {
      type: 'vertical',
      elements: [
        { type: 'image', url: 'https://images.example.com/b.png' },
        { type: 'text', text: 'Birthday Bouquet', style: { bold: true, size: 'large' } },
        { type: 'text', text: 'Wild flowers' },
        { type: 'button', title: 'Yes please', click: { actions: [{ type: 'publishText', text: 'Yes please' }] } },
        {
          type: 'button',
          title: 'Shop',
          click: { actions: [{ type: 'link', name: 'Shop', uri: 'https://shop.example.com/' }] },
        },
      ],
    });
    assert.ok(checkStructuredContent(built.json).ok);
  });

  it('says what is wrong with a draft instead of building it', () => {
    assert.deepEqual(buildCard(emptyCardDraft()), { problem: 'A card needs a title, a text, an image or a button' });
    assert.deepEqual(buildCard({ ...emptyCardDraft(), imageUrl: 'http://x.example/a.png' }), {
      problem: 'The image address must start with https://',
    });
    assert.deepEqual(buildCard({ ...emptyCardDraft(), buttons: [{ label: ' ', kind: 'reply', value: 'x' }] }), {
      problem: 'Button 1 needs a label',
    });
    assert.deepEqual(
      buildCard({ ...emptyCardDraft(), buttons: [{ label: 'Go', kind: 'link', value: 'javascript:alert(1)' }] }),
      { problem: 'Button 1: the link must start with https://' },
    );
  });

  it('previews a card by its first text or title', () => {
    assert.equal(
      summaryOf({
        type: 'vertical',
        elements: [
          { type: 'image', url: 'https://x/' },
          { type: 'text', text: ' Hi ' },
        ],
      }),
      'Hi',
    );
    assert.equal(
      summaryOf({ type: 'carousel', elements: [{ type: 'vertical', elements: { type: 'button', title: 'Pick' } }] }),
      'Pick',
    );
    assert.equal(summaryOf({ type: 'vertical', elements: [] }), 'Card');
    assert.equal(summaryOf('nonsense'), 'Card');
  });
});
