import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { AppError, ErrorCode } from '../../src/core/errors.js';
import { parseXml, renderXml } from '../../src/http/legacy/xml-codec.js';
import { isBodyMalformed } from '../support/body-errors.js';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

/** The rendered body without the declaration, for comparing element markup. */
function body(document: Record<string, unknown>): string {
  const xml = renderXml(document);
  assert.ok(xml.startsWith(DECLARATION), `missing XML declaration: ${xml}`);
  return xml.slice(DECLARATION.length);
}

describe('renderXml', () => {
  it('begins with the XML declaration', () => {
    assert.ok(renderXml({ chat: 'x' }).startsWith(DECLARATION));
  });

  it('renders an events document with attributes, repeated links and one event', () => {
    const document = {
      events: {
        link: [
          { '@href': 'https://h/e', '@rel': 'self' },
          { '@href': 'https://h/e?from=5', '@rel': 'next' },
        ],
        event: { '@id': '4', '@type': 'line', time: 't', text: 'hi' },
      },
    };
    assert.equal(
      body(document),
      '<events><link href="https://h/e" rel="self"/><link href="https://h/e?from=5" rel="next"/>' +
        '<event id="4" type="line"><time>t</time><text>hi</text></event></events>',
    );
  });

  it('renders null as an empty element', () => {
    assert.equal(body({ agent: { skills: null, skillsInfo: null } }), '<agent><skills/><skillsInfo/></agent>');
  });

  it('renders an empty string and an empty object as empty elements', () => {
    assert.equal(body({ a: { b: '', c: {} } }), '<a><b/><c/></a>');
    assert.equal(body({ a: null }), '<a/>');
  });

  it('omits undefined keys, undefined attributes and empty arrays', () => {
    assert.equal(
      body({ events: { link: { '@href': 'h', '@rel': undefined }, event: undefined, more: [] } }),
      '<events><link href="h"/></events>',
    );
  });

  it('renders "$" as the text of an element with attributes', () => {
    assert.equal(
      body({
        variables: {
          variable: [
            { '@name': 'page', $: 'home' },
            { '@name': 'lang', $: 'en' },
          ],
        },
      }),
      '<variables><variable name="page">home</variable><variable name="lang">en</variable></variables>',
    );
  });

  it('renders numbers and booleans as text, in attributes too', () => {
    assert.equal(
      body({ info: { '@maxChats': -1, '@busy': true, agentId: 7, duration: 0, isTyping: false } }),
      '<info maxChats="-1" busy="true"><agentId>7</agentId><duration>0</duration><isTyping>false</isTyping></info>',
    );
  });

  it('keeps key order, writing attributes on the start tag wherever they appear', () => {
    assert.equal(body({ chat: { b: '1', '@id': 'x', a: '2' } }), '<chat id="x"><b>1</b><a>2</a></chat>');
  });

  it('escapes hostile text', () => {
    assert.equal(
      body({ event: { text: '</text><script>alert("x")</script> & \'quotes\'' } }),
      '<event><text>&lt;/text&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;quotes&apos;</text></event>',
    );
  });

  it('escapes hostile attribute values', () => {
    assert.equal(
      body({ link: { '@href': 'https://h/e?a=1&b="2"', '@rel': "x' onload='y <z>" } }),
      '<link href="https://h/e?a=1&amp;b=&quot;2&quot;" rel="x&apos; onload=&apos;y &lt;z&gt;"/>',
    );
  });

  it('replaces characters XML cannot carry with U+FFFD', () => {
    assert.equal(body({ text: 'a\u0000b\u001Bc\uD800d\tok\n' }), '<text>a\uFFFDb\uFFFDc\uFFFDd\tok\n</text>');
    assert.equal(body({ text: 'emoji 😀' }), '<text>emoji 😀</text>');
  });

  it('refuses a document without exactly one root key', () => {
    assert.throws(() => renderXml({}), TypeError);
    assert.throws(() => renderXml({ a: '1', b: '2' }), TypeError);
    assert.throws(() => renderXml({ a: ['1', '2'] }), TypeError);
  });

  it('refuses names that are not XML names and values that are not scalars', () => {
    assert.throws(() => renderXml({ 'bad name': '1' }), TypeError);
    assert.throws(() => renderXml({ a: { '<x>': '1' } }), TypeError);
    assert.throws(() => renderXml({ a: { '@"x': '1' } }), TypeError);
    assert.throws(() => renderXml({ a: { '@x': { y: '1' } } }), TypeError);
    assert.throws(() => renderXml({ a: { b: [['1']] } }), TypeError);
    assert.throws(() => renderXml({ a: { b: new Date(0) } }), TypeError);
  });
});

describe('parseXml', () => {
  it('reads attributes as "@" keys and child elements as keys', () => {
    assert.deepEqual(parseXml('<event type="line"><text>hi</text></event>'), {
      event: { '@type': 'line', text: 'hi' },
    });
  });

  it('reads a posted availability', () => {
    assert.deepEqual(parseXml('<availability><chat>Online</chat></availability>'), {
      availability: { chat: 'Online' },
    });
  });

  it('reads a transfer whose skill is an attribute-only element', () => {
    assert.deepEqual(parseXml('<transfer><skill id="2"/><text>note</text></transfer>'), {
      transfer: { skill: { '@id': '2' }, text: 'note' },
    });
  });

  it('puts attributes before children, as the legacy JSON does', () => {
    const parsed = parseXml('<event type="line"><text>hi</text></event>');
    assert.equal(JSON.stringify(parsed), '{"event":{"@type":"line","text":"hi"}}');
  });

  it('gives one element as a bare object or string, repeated elements as an array', () => {
    assert.deepEqual(parseXml('<events><event id="1"><text>a</text></event></events>'), {
      events: { event: { '@id': '1', text: 'a' } },
    });
    assert.deepEqual(parseXml('<skills><skill>25975313</skill></skills>'), { skills: { skill: '25975313' } });
    assert.deepEqual(parseXml('<skills><skill>1</skill><skill>2</skill></skills>'), {
      skills: { skill: ['1', '2'] },
    });
  });

  it('leaves absent elements out', () => {
    // deepEqual is strict about keys: an "event" key, even undefined, would fail it.
    assert.deepEqual(parseXml('<events><link href="h" rel="self"/></events>'), {
      events: { link: { '@href': 'h', '@rel': 'self' } },
    });
  });

  it('reads the text of an element with attributes as "$"', () => {
    assert.deepEqual(parseXml('<variable name="page">home</variable>'), { variable: { '@name': 'page', $: 'home' } });
  });

  it('keeps every leaf a string', () => {
    assert.deepEqual(parseXml('<info maxChats="-1"><agentId>7</agentId><typing>true</typing><n>007</n></info>'), {
      info: { '@maxChats': '-1', agentId: '7', typing: 'true', n: '007' },
    });
  });

  it('reads an empty element as an empty string', () => {
    assert.deepEqual(parseXml('<request/>'), { request: '' });
    assert.deepEqual(parseXml('<a><b></b><c>   </c></a>'), { a: { b: '', c: '' } });
  });

  it('decodes entities and character references exactly once', () => {
    assert.deepEqual(parseXml('<text>&lt;b&gt; &amp; &quot;q&quot; &apos;s&apos; &#233;&#x1F600; &amp;lt;</text>'), {
      text: '<b> & "q" \'s\' é😀 &lt;',
    });
    assert.deepEqual(parseXml('<a x="&lt;&amp;&quot;"/>'), { a: { '@x': '<&"' } });
  });

  it('reads CDATA as text', () => {
    assert.deepEqual(parseXml('<text><![CDATA[</text><!DOCTYPE x>]]></text>'), { text: '</text><!DOCTYPE x>' });
  });

  it('trims whitespace around text and ignores indentation', () => {
    assert.deepEqual(parseXml('\n<event type="line">\n  <text>  hi there  </text>\n</event>\n'), {
      event: { '@type': 'line', text: 'hi there' },
    });
  });

  it('ignores the XML declaration, comments and processing instructions', () => {
    assert.deepEqual(
      parseXml(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!-- c --><?pi x?><chat><state>ended</state></chat>',
      ),
      { chat: { state: 'ended' } },
    );
  });

  it('gives back a rendered document whose leaves are strings', () => {
    const document = {
      events: {
        link: [
          { '@href': 'https://h/e', '@rel': 'self' },
          { '@href': 'https://h/e?from=5&x="1"', '@rel': 'next' },
        ],
        event: [
          {
            '@id': '4',
            '@type': 'line',
            time: '2018-01-29T08:20:54.560-05:00',
            text: '</text><script>"quotes" & \'more\'',
          },
          { '@id': '5', '@type': 'state', state: 'chatting' },
        ],
        visit: { variable: { '@name': 'page', $: 'home & away' }, skills: { skill: '25975313' } },
      },
    };
    const parsed = parseXml(renderXml(document));
    assert.deepEqual(parsed, document);
    assert.equal(JSON.stringify(parsed), JSON.stringify(document));
  });

  it('refuses malformed XML', () => {
    for (const text of [
      '',
      '   ',
      'hello',
      '{"event":{}}',
      '<event><text>hi</event>',
      '<event type=line/>',
      '<event type="a" type="b"/>',
      '<event',
      '<a>x</a>junk',
      '<1a/>',
      '<!-- only a comment -->',
    ]) {
      assert.throws(() => parseXml(text), isBodyMalformed, `accepted ${JSON.stringify(text)}`);
    }
  });

  it('refuses DOCTYPE and entity declarations outright', () => {
    const billionLaughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>';
    const external = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>';
    for (const text of [billionLaughs, external, '<!DOCTYPE a><a/>', '<!doctype a><a/>', '<a><!ENTITY x "y"></a>']) {
      assert.throws(() => parseXml(text), isBodyMalformed, `accepted ${JSON.stringify(text)}`);
    }
  });

  it('refuses more than one root element', () => {
    for (const text of ['<a/><b/>', '<a/><a/>', '<a>1</a><b>2</b>', '<a>1</a><a>2</a>']) {
      assert.throws(() => parseXml(text), isBodyMalformed, `accepted ${JSON.stringify(text)}`);
    }
  });

  it('refuses names that would pollute prototypes and absurd nesting', () => {
    assert.throws(() => parseXml('<__proto__><x>1</x></__proto__>'), isBodyMalformed);
    assert.throws(() => parseXml('<a><constructor>1</constructor></a>'), isBodyMalformed);
    assert.throws(() => parseXml(`${'<a>'.repeat(500)}${'</a>'.repeat(500)}`), isBodyMalformed);
  });

  it("reports a body it will not read as the catalogue's BODY_MALFORMED error", () => {
    try {
      parseXml('<a>');
      assert.fail('parsed an unclosed element');
    } catch (caught) {
      assert.ok(caught instanceof AppError);
      assert.ok(caught instanceof Error);
      assert.equal(caught.code, ErrorCode.BODY_MALFORMED);
    }
  });
});
