import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertFormWithinBounds,
  assertJsonWithinBounds,
  assertXmlWithinBounds,
} from '../../src/http/legacy/body-bounds.js';
import { isBodyMalformed } from '../support/body-errors.js';

const small = { maxNodes: 5, maxDepth: 3 };

describe('XML bounds', () => {
  it('counts elements and attributes, and refuses one more than the limit', () => {
    assert.doesNotThrow(() => assertXmlWithinBounds('<a x="1"><b/><c y="2"/></a>', small));
    assert.throws(() => assertXmlWithinBounds('<a x="1"><b/><c y="2"/><d/></a>', small), isBodyMalformed);
  });

  it('measures depth by open elements, not by self-closing or closed ones', () => {
    assert.doesNotThrow(() => assertXmlWithinBounds('<a><b><c/></b></a>', { maxNodes: 99, maxDepth: 2 }));
    assert.throws(
      () => assertXmlWithinBounds('<a><b><c></c></b></a>', { maxNodes: 99, maxDepth: 2 }),
      /deeper than 2 levels/,
    );
    // Siblings closed in turn never add up.
    assert.doesNotThrow(() =>
      assertXmlWithinBounds(`<a>${'<b><c>t</c></b>'.repeat(40)}</a>`, { maxNodes: 999, maxDepth: 3 }),
    );
  });

  it('reads no markup inside quoted values, comments, CDATA or processing instructions', () => {
    const body =
      '<?xml version="1.0"?><!-- <x a="1" b="2" c="3"/> --><a t="x=y>z&lt;"><![CDATA[<p q="1" r="2" s="3"/>]]></a>';
    assert.doesNotThrow(() => assertXmlWithinBounds(body, { maxNodes: 2, maxDepth: 1 }));
  });
});

describe('JSON bounds', () => {
  it('counts values and refuses more than the limit', () => {
    assert.doesNotThrow(() => assertJsonWithinBounds('{"a":[1,2],"b":3}', small));
    assert.throws(() => assertJsonWithinBounds('[1,2,3,4,5,6]', small), /more than 5 values/);
  });

  it('refuses nesting deeper than the limit', () => {
    assert.doesNotThrow(() => assertJsonWithinBounds('[[[1]]]', small));
    assert.throws(() => assertJsonWithinBounds('[[[[1]]]]', small), /deeper than 3 levels/);
  });

  it('reads no brackets or commas inside strings, escaped quotes included', () => {
    assert.doesNotThrow(() => assertJsonWithinBounds('{"t":"[[[[,,,,,,{{{{\\"[[[[,,,,"}', small));
  });
});

describe('form bounds', () => {
  it('refuses more fields than the limit', () => {
    assert.doesNotThrow(() => assertFormWithinBounds('a=1&b=2&c=3&d=4&e=5', small));
    assert.throws(() => assertFormWithinBounds('a=1&b=2&c=3&d=4&e=5&f=6', small), /more than 5 form fields/);
  });
});
