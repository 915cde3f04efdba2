import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseLeadingDigits, parseLenientQuery, stripFormatSuffix } from '../../src/http/legacy/lenient-query.js';

describe('parseLenientQuery', () => {
  it('reads an ordinary query string', () => {
    assert.deepEqual({ ...parseLenientQuery('v=1&NC=true') }, { v: '1', NC: 'true' });
  });

  it('reads the key after a leading "?" as the plain key (PM login??v=1)', () => {
    const query = parseLenientQuery('?v=1&NC=true');
    assert.equal(query.v, '1');
    assert.equal(query.NC, 'true');
    assert.equal(query['?v'], undefined);
  });

  it('treats a second "?" glued onto a next link like "&"', () => {
    assert.deepEqual({ ...parseLenientQuery('from=4?v=1&NC=true') }, { from: '4', v: '1', NC: 'true' });
  });

  it('skips empty pieces between separators', () => {
    assert.deepEqual({ ...parseLenientQuery('a=1&&b=2&') }, { a: '1', b: '2' });
    assert.deepEqual({ ...parseLenientQuery('') }, {});
    assert.deepEqual({ ...parseLenientQuery('&&?') }, {});
  });

  it('gives a key without "=" the empty value', () => {
    assert.deepEqual({ ...parseLenientQuery('NC&v=1&flag=') }, { NC: '', v: '1', flag: '' });
  });

  it('ignores a piece with an empty key', () => {
    assert.deepEqual({ ...parseLenientQuery('=5&v=1') }, { v: '1' });
  });

  it('keeps everything after the first "=" in the value', () => {
    assert.equal(parseLenientQuery('next=a=b').next, 'a=b');
  });

  it('decodes "+" as a space and percent escapes, in keys and values', () => {
    const query = parseLenientQuery('text=hello+world%21&na%6De=caf%C3%A9&plus=%2B');
    assert.equal(query.text, 'hello world!');
    assert.equal(query.name, 'café');
    assert.equal(query.plus, '+');
  });

  it('keeps a bad percent escape as written instead of throwing', () => {
    const query = parseLenientQuery('a=100%&b=%zz&c=%E0%A4%A&d=%FF&e=ok%20then%');
    assert.equal(query.a, '100%');
    assert.equal(query.b, '%zz');
    assert.equal(query.c, '%E0%A4%A');
    assert.equal(query.d, '%FF');
    assert.equal(query.e, 'ok then%');
  });

  it('lets the first occurrence of a key win', () => {
    assert.equal(parseLenientQuery('from=4&from=9').from, '4');
    assert.equal(parseLenientQuery('from=4?from=9').from, '4');
  });

  it('returns an object without a prototype, so __proto__ is an ordinary key', () => {
    const query = parseLenientQuery('__proto__=x&constructor=y&toString=z');
    assert.equal(Object.getPrototypeOf(query), null);
    assert.deepEqual(Object.keys(query), ['__proto__', 'constructor', 'toString']);
    assert.equal(query.__proto__, 'x');
    assert.equal(query.constructor, 'y');
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
  });

  it('reads an absent key as undefined rather than an inherited member', () => {
    const query = parseLenientQuery('v=1');
    assert.equal('toString' in query, false);
    assert.equal('hasOwnProperty' in query, false);
  });
});

describe('parseLeadingDigits', () => {
  it('reads a plain number', () => {
    assert.equal(parseLeadingDigits('4'), 4);
    assert.equal(parseLeadingDigits('0'), 0);
    assert.equal(parseLeadingDigits('007'), 7);
  });

  it('reads the leading digits of a value with a glued-on query', () => {
    assert.equal(parseLeadingDigits('4?v=1'), 4);
    assert.equal(parseLeadingDigits('12abc'), 12);
    assert.equal(parseLeadingDigits('5.9'), 5);
  });

  it('gives undefined without a leading digit', () => {
    assert.equal(parseLeadingDigits(undefined), undefined);
    assert.equal(parseLeadingDigits(''), undefined);
    assert.equal(parseLeadingDigits('-4'), undefined);
    assert.equal(parseLeadingDigits('+4'), undefined);
    assert.equal(parseLeadingDigits(' 4'), undefined);
    assert.equal(parseLeadingDigits('abc'), undefined);
  });

  it('gives undefined beyond Number.MAX_SAFE_INTEGER', () => {
    assert.equal(parseLeadingDigits(String(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
    assert.equal(parseLeadingDigits('9007199254740992'), undefined);
    assert.equal(parseLeadingDigits('9'.repeat(400)), undefined);
  });
});

describe('stripFormatSuffix', () => {
  it('strips .json from the last segment and names the format', () => {
    assert.deepEqual(stripFormatSuffix('/api/account/1/agentSession.json'), {
      path: '/api/account/1/agentSession',
      format: 'json',
    });
  });

  it('strips a suffix from the account root', () => {
    assert.deepEqual(stripFormatSuffix('/api/account/1.json'), { path: '/api/account/1', format: 'json' });
  });

  it('strips .xml and ignores the suffix case', () => {
    assert.deepEqual(stripFormatSuffix('/chat/events.xml'), { path: '/chat/events', format: 'xml' });
    assert.deepEqual(stripFormatSuffix('/chat/events.JSON'), { path: '/chat/events', format: 'json' });
    assert.deepEqual(stripFormatSuffix('/chat/events.Xml'), { path: '/chat/events', format: 'xml' });
  });

  it('leaves a suffix on an earlier segment alone', () => {
    assert.deepEqual(stripFormatSuffix('/a.json/b'), { path: '/a.json/b', format: undefined });
  });

  it('leaves a path without a suffix alone', () => {
    assert.deepEqual(stripFormatSuffix('/api/account/1/chat/abc-1'), {
      path: '/api/account/1/chat/abc-1',
      format: undefined,
    });
    assert.deepEqual(stripFormatSuffix('/chat/report.jsonx'), { path: '/chat/report.jsonx', format: undefined });
    assert.deepEqual(stripFormatSuffix('/chat/.json'), { path: '/chat/.json', format: undefined });
  });

  it('strips only the last suffix', () => {
    assert.deepEqual(stripFormatSuffix('/chat/events.xml.json'), { path: '/chat/events.xml', format: 'json' });
  });

  it('collapses repeated slashes', () => {
    assert.deepEqual(stripFormatSuffix('/chat//preSurvey'), { path: '/chat/preSurvey', format: undefined });
    assert.deepEqual(stripFormatSuffix('//api///account/1//chat.json'), {
      path: '/api/account/1/chat',
      format: 'json',
    });
  });
});
