import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialsOf } from '../../packages/web/src/workspace/initials-of.js';

describe('the initials on an avatar', () => {
  it('takes the first letter of the first two words, upper-cased', () => {
    assert.equal(initialsOf('Phil Collins'), 'PC');
    assert.equal(initialsOf('  ada   lovelace  byron '), 'AL');
    assert.equal(initialsOf('Émile'), 'É');
    assert.equal(initialsOf(''), '');
    assert.equal(initialsOf('   '), '');
  });

  it('keeps an emoji whole: never half a surrogate pair', () => {
    const initials = initialsOf('😀 Phil');
    assert.equal(initials, '😀P');
    assert.ok(!initials.includes('\uFFFD'));
    assert.equal(initialsOf('Phil 🎉party'), 'P🎉');
  });

  it('keeps a grapheme cluster whole: a flag, a skin tone, a family', () => {
    assert.equal(initialsOf('🇫🇷 Paris'), '🇫🇷P');
    assert.equal(initialsOf('👍🏽 Thumbs'), '👍🏽T');
    assert.equal(initialsOf('👨‍👩‍👧 Family'), '👨‍👩‍👧F');
    // A letter with a combining accent stays with its accent.
    assert.equal(initialsOf('e\u0301tienne'), 'E\u0301');
  });
});
