import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SANITIZER_POLICY, sanitizeAgentHtml } from '../../src/security/html-sanitizer.js';

const LINK_REL = 'noopener noreferrer nofollow';
const ALLOWED_TAGS = new Set<string>(SANITIZER_POLICY.allowedTags);
const DIRECTIONAL_TAGS = new Set<string>(SANITIZER_POLICY.directionalTags);
const LINK_ATTRIBUTES = new Set<string>(SANITIZER_POLICY.link.attributes);
const LINK_SCHEMES = new Set<string>(SANITIZER_POLICY.link.schemes);
const FORBIDDEN_ELEMENTS = [
  'script',
  'iframe',
  'object',
  'embed',
  'svg',
  'math',
  'style',
  'base',
  'meta',
  'form',
  'input',
  'img',
  'link',
  'textarea',
  'noscript',
];

const isAllowedDeclaration = (property: string, keyword: string): boolean =>
  Object.entries(SANITIZER_POLICY.allowedStyles).some(
    ([allowed, keywords]) => property === allowed && keywords.some((k) => k === keyword.toLowerCase()),
  );

const decodeAttribute = (value: string): string =>
  value
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/**
 * Checks the output against the policy rather than against the input: text is always escaped, so every `<`
 * must open a well-formed tag from the allowlist carrying only allowed attributes and safe URLs.
 */
function assertHarmless(output: string): void {
  const lower = output.toLowerCase();
  for (const element of FORBIDDEN_ELEMENTS) assert.ok(!lower.includes(`<${element}`), `<${element} in ${output}`);
  const tags = output.match(/<[^>]*>/g) ?? [];
  assert.equal(tags.length, (output.match(/</g) ?? []).length, `stray "<" in ${output}`);
  for (const tag of tags) {
    assert.doesNotMatch(tag, /\son[a-z]*\s*=/i, `event handler in ${output}`);
    assert.doesNotMatch(tag, /(?:javascript|vbscript|data)\s*:/i, `dangerous URL in ${output}`);
    const parsed = /^<(\/?)([a-z0-9]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*(\/?)>$/.exec(tag);
    assert.ok(parsed, `malformed tag ${tag} in ${output}`);
    const [, , name = '', attributes = ''] = parsed;
    assert.ok(ALLOWED_TAGS.has(name), `tag <${name}> in ${output}`);
    for (const [, attribute = '', value = ''] of attributes.matchAll(/\s([a-z-]+)="([^"]*)"/g)) {
      const isAllowed =
        (name === 'a' && LINK_ATTRIBUTES.has(attribute)) ||
        (DIRECTIONAL_TAGS.has(name) && (attribute === 'dir' || attribute === 'style'));
      assert.ok(isAllowed, `attribute ${attribute} on <${name}> in ${output}`);
      if (attribute === 'style') {
        for (const declaration of value.split(';')) {
          const [property = '', keyword = ''] = declaration.split(':');
          assert.ok(isAllowedDeclaration(property, keyword), `declaration ${declaration} in ${output}`);
        }
      }
      if (attribute === 'href') {
        assert.ok(LINK_SCHEMES.has(new URL(decodeAttribute(value)).protocol.slice(0, -1)), `href ${value}`);
      }
    }
  }
}

interface HostileCase {
  name: string;
  input: string;
  /** Exact output, where the result is a clean, intended shape. */
  expected?: string;
}

// Drawn from the OWASP XSS Filter Evasion Cheat Sheet, PortSwigger's XSS cheat sheet, the DOMPurify
// mutation-XSS reports and sanitize-html's own advisories (the last four fixed only in releases that need
// Node 22; they must stay harmless under this allowlist on the Node 20 release we pin).
const HOSTILE: HostileCase[] = [
  { name: 'script element', input: '<script>alert(1)</script>hello', expected: 'hello' },
  { name: 'upper-case script with src', input: '<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>text', expected: 'text' },
  { name: 'unclosed script', input: 'before<script>alert(1)', expected: 'before' },
  { name: 'split script tag', input: '<scr<script>ipt>alert(1)</script>' },
  { name: 'extra open bracket', input: '<<script>alert(1);//<</script>', expected: '&lt;' },
  { name: 'img onerror', input: '<img src=x onerror=alert(1)>', expected: '' },
  { name: 'unclosed img onerror', input: 'hi<img src=x onerror=alert(1)//', expected: 'hi' },
  { name: 'malformed img quotes', input: '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">' },
  { name: 'svg onload', input: '<svg onload=alert(1)>hi</svg>', expected: 'hi' },
  { name: 'svg with slash separator', input: '<svg/onload=alert(1)>', expected: '' },
  { name: 'body onload', input: "<BODY ONLOAD=alert('XSS')>body", expected: 'body' },
  { name: 'div onmouseover', input: '<div onmouseover="alert(1)">hover me</div>', expected: '<div>hover me</div>' },
  { name: 'details ontoggle', input: '<details open ontoggle=alert(1)>d</details>', expected: 'd' },
  { name: 'javascript: link', input: '<a href="javascript:alert(1)">click</a>', expected: '<span>click</span>' },
  { name: 'mixed-case scheme', input: '<a href="JaVaScRiPt:alert(1)">x</a>', expected: '<span>x</span>' },
  { name: 'tab entity in scheme', input: '<a href="jav&#x09;ascript:alert(1)">x</a>', expected: '<span>x</span>' },
  { name: 'newline entity in scheme', input: '<a href="jav&#x0A;ascript:alert(1)">x</a>', expected: '<span>x</span>' },
  {
    name: 'raw tab and newline in scheme',
    input: '<a href="jav\tas\ncript:alert(1)">x</a>',
    expected: '<span>x</span>',
  },
  { name: 'NUL in scheme', input: '<a href="java\0script:alert(1)">x</a>', expected: '<span>x</span>' },
  {
    name: 'decimal-entity scheme',
    input: '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    expected: '<span>x</span>',
  },
  {
    name: 'hex entities without semicolons',
    input: '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)">x</a>',
    expected: '<span>x</span>',
  },
  {
    name: 'leading control characters',
    input: '<a href=" &#14;  javascript:alert(1)">x</a>',
    expected: '<span>x</span>',
  },
  { name: 'vbscript: link', input: '<a href="vbscript:msgbox(1)">x</a>', expected: '<span>x</span>' },
  {
    name: 'base64 data: link',
    input: '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    expected: '<span>x</span>',
  },
  { name: 'data: link with markup', input: '<a href="data:text/html,<script>alert(1)</script>">x</a>' },
  { name: 'unclosed link attribute', input: 'ok<a href="javascript:alert(1)"', expected: 'ok' },
  {
    name: 'iframe with fallback',
    input: '<iframe src="javascript:alert(1)">fallback</iframe>after',
    expected: 'after',
  },
  { name: 'iframe srcdoc', input: '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>', expected: '' },
  { name: 'object', input: '<object data="javascript:alert(1)">fallback</object>', expected: 'fallback' },
  { name: 'embed', input: '<embed src="data:image/svg+xml;base64,PHN2Zz4=">', expected: '' },
  { name: 'style element', input: '<style>body{background:url(javascript:alert(1))}</style>text', expected: 'text' },
  { name: 'style url()', input: '<div style="background:url(javascript:alert(1))">x</div>', expected: '<div>x</div>' },
  { name: 'style expression()', input: '<div style="width: expression(alert(1))">x</div>', expected: '<div>x</div>' },
  {
    name: 'CSS-escaped javascript url',
    input: String.raw`<DIV STYLE="background-image:\0075\0072\006C\0028'\006a\0061\0076\0061\0073\0063\0072\0069\0070\0074\003a\0061\006c\0065\0072\0074\0028.1027\0058.1053\0053\0027\0029'\0029">x</DIV>`,
    expected: '<div>x</div>',
  },
  {
    name: '-moz-binding beside an allowed declaration',
    input: '<p style="direction: ltr; -moz-binding: url(http://evil.example/xss.xml#xss)">x</p>',
    expected: '<p style="direction:ltr">x</p>',
  },
  {
    name: 'math/mglyph/style mutation',
    input: '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;img src=1 onerror=alert(1)&gt;">',
    expected: '',
  },
  { name: 'math href', input: '<math href="javascript:alert(1)">CLICK</math>', expected: 'CLICK' },
  { name: 'base href', input: '<base href="javascript:alert(1)//">', expected: '' },
  { name: 'meta refresh', input: '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', expected: '' },
  { name: 'link stylesheet', input: `<LINK REL="stylesheet" HREF="javascript:alert('XSS');">`, expected: '' },
  {
    name: 'form action',
    input: '<form action="javascript:alert(1)"><input type="submit"><button>go</button></form>',
    expected: 'go',
  },
  {
    name: 'table background',
    input: `<TABLE BACKGROUND="javascript:alert('XSS')"><tr><td>cell</td></tr></TABLE>`,
    expected: 'cell',
  },
  { name: 'noscript attribute mutation', input: '<noscript><p title="</noscript><img src=x onerror=alert(1)>">' },
  {
    name: 'conditional comment',
    input: '<!--[if gte IE 4]><script>alert(1)</script><![endif]-->ok',
    expected: 'ok',
  },
  { name: 'CDATA section', input: '<![CDATA[<script>alert(1)</script>]]>ok', expected: 'ok' },
  { name: 'template content', input: '<template><script>alert(1)</script></template>t', expected: 't' },
  { name: 'textarea solidus mis-close', input: '<textarea></textarea/><img src=x onerror=alert(1)></textarea>' },
  { name: 'xmp raw text', input: '<xmp><img src=x onerror=alert(1)></xmp>', expected: '' },
  {
    name: 'SVG SMIL animation of href',
    input: '<svg><animate href="#x" attributeName="href" values="javascript:alert(1)"/><a id="x">click</a></svg>',
    expected: '<span>click</span>',
  },
  {
    name: 'handler on an allowed link',
    input: '<a href="https://example.com" onclick="alert(1)">ok</a>',
    expected: `<a href="https://example.com/" target="_blank" rel="${LINK_REL}">ok</a>`,
  },
];

describe('sanitizeAgentHtml', () => {
  it("keeps LivePerson's sample-bot line with its direction and alignment", () => {
    assert.equal(
      sanitizeAgentHtml('<p dir="ltr" style="direction: ltr; text-align: left;">Hello, how can I help?</p>'),
      '<p dir="ltr" style="direction:ltr;text-align:left">Hello, how can I help?</p>',
    );
  });

  it('keeps the single-quoted <div> wrapper the docs recommend (§3.15)', () => {
    assert.equal(
      sanitizeAgentHtml("<div dir='ltr' style='direction:ltr;text-align:left;'>this is a line of text</div>"),
      '<div dir="ltr" style="direction:ltr;text-align:left">this is a line of text</div>',
    );
  });

  it('keeps ordinary chat formatting unchanged', () => {
    const html =
      '<p>Try <b>this</b>, <strong>that</strong>, <i>one</i> <em>two</em> <u>three</u> <s>old</s> <strike>older</strike>' +
      '<br />then <code>npm ci</code></p><ul><li>a</li></ul><ol><li>b</li></ol><blockquote>quoted</blockquote>' +
      '<pre>x = 1</pre><div><span>inline</span></div>';
    assert.equal(sanitizeAgentHtml(html), html);
  });

  describe('removes hostile markup from XSS cheat-sheet inputs', () => {
    it('covers at least 25 cases', () => {
      assert.ok(HOSTILE.length >= 25);
    });

    for (const { name, input, expected } of HOSTILE) {
      it(`neutralises: ${name}`, () => {
        const output = sanitizeAgentHtml(input);
        assertHarmless(output);
        if (expected !== undefined) assert.equal(output, expected);
      });
    }
  });

  it('returns output that sanitises to itself, so a second pass cannot reveal anything', () => {
    for (const { input } of HOSTILE) {
      const once = sanitizeAgentHtml(input);
      assert.equal(sanitizeAgentHtml(once), once, input);
    }
  });

  describe('links', () => {
    it('opens every link in a new tab and cuts it off from the opener, whatever target and rel were sent', () => {
      assert.equal(
        sanitizeAgentHtml('<a href="http://example.com/" target="_self" rel="opener">x</a>'),
        `<a href="http://example.com/" target="_blank" rel="${LINK_REL}">x</a>`,
      );
      assert.equal(
        sanitizeAgentHtml('<a href="https://example.com/help">help</a>'),
        `<a href="https://example.com/help" target="_blank" rel="${LINK_REL}">help</a>`,
      );
    });

    it('keeps a title, escaping its quotes, and escapes the query string', () => {
      assert.equal(
        sanitizeAgentHtml(`<a href="https://example.com/?q=1&r=2" title='say "hi"'>x</a>`),
        `<a href="https://example.com/?q=1&amp;r=2" title="say &quot;hi&quot;" target="_blank" rel="${LINK_REL}">x</a>`,
      );
    });

    it('keeps mailto and tel links', () => {
      assert.equal(
        sanitizeAgentHtml('<a href="mailto:help@example.com">mail</a>'),
        `<a href="mailto:help@example.com" target="_blank" rel="${LINK_REL}">mail</a>`,
      );
      assert.equal(
        sanitizeAgentHtml('<a href="tel:+15550100">call</a>'),
        `<a href="tel:+15550100" target="_blank" rel="${LINK_REL}">call</a>`,
      );
    });

    it('turns relative, fragment, protocol-relative and credential links into plain text', () => {
      for (const href of [
        '/relative',
        '#top',
        '//evil.example/x',
        '\\\\evil.example',
        'https://bank.example@evil.example',
      ]) {
        assert.equal(sanitizeAgentHtml(`<a href="${href}">label</a>`), '<span>label</span>', href);
      }
    });

    it('turns a link without href into plain text', () => {
      assert.equal(sanitizeAgentHtml('<a name="x">label</a>'), '<span>label</span>');
    });

    it('refuses schemes outside http, https, mailto and tel', () => {
      for (const href of ['ftp://example.com/', 'file:///etc/passwd', 'sms:+15550100', 'blob:https://example.com/1']) {
        assert.equal(sanitizeAgentHtml(`<a href="${href}">label</a>`), '<span>label</span>', href);
      }
    });
  });

  describe('styles and direction', () => {
    it('keeps only the direction and text-align declarations', () => {
      assert.equal(
        sanitizeAgentHtml('<p style="color: red; direction: rtl; font-size: 90px; text-align: center">x</p>'),
        '<p style="direction:rtl;text-align:center">x</p>',
      );
      assert.equal(
        sanitizeAgentHtml('<div style="text-align: justify">x</div>'),
        '<div style="text-align:justify">x</div>',
      );
    });

    it('drops the style attribute when no declaration is allowed', () => {
      assert.equal(sanitizeAgentHtml('<p style="position:fixed;top:0;left:0;width:100%">x</p>'), '<p>x</p>');
    });

    it('drops values outside the keyword list of an allowed property', () => {
      assert.equal(
        sanitizeAgentHtml('<p style="direction: expression(alert(1)); text-align: -webkit-center">x</p>'),
        '<p>x</p>',
      );
    });

    it('drops style on tags that may not carry it', () => {
      assert.equal(sanitizeAgentHtml('<b style="direction: ltr">x</b>'), '<b>x</b>');
    });

    it('lower-cases dir and drops unknown values', () => {
      assert.equal(sanitizeAgentHtml('<div dir="RTL">x</div>'), '<div dir="rtl">x</div>');
      assert.equal(sanitizeAgentHtml('<div dir="auto">x</div>'), '<div dir="auto">x</div>');
      assert.equal(sanitizeAgentHtml('<div dir="sideways">x</div>'), '<div>x</div>');
    });

    it('drops class and id, which reach into the host page', () => {
      assert.equal(sanitizeAgentHtml('<p id="login" class="modal-overlay">x</p>'), '<p>x</p>');
    });
  });

  describe('elements outside the allowlist', () => {
    it('drops images entirely, tracking pixels included', () => {
      assert.equal(sanitizeAgentHtml('hi<img src="https://tracker.example/p.gif" width="1" height="1">'), 'hi');
    });

    it('turns headings into paragraphs, keeping dir', () => {
      assert.equal(sanitizeAgentHtml('<h1 dir="rtl">Title</h1><h6>Small</h6>'), '<p dir="rtl">Title</p><p>Small</p>');
    });

    it('keeps the text of harmless unknown elements', () => {
      assert.equal(sanitizeAgentHtml('<font color="red">hi</font> <table><tr><td>cell</td></tr></table>'), 'hi cell');
    });

    it('unwraps elements nested deeper than the limit, keeping the text', () => {
      const depth = SANITIZER_POLICY.nestingLimit + 10;
      const output = sanitizeAgentHtml(`${'<div>'.repeat(depth)}deep${'</div>'.repeat(depth)}`);
      assert.equal(output.match(/<div>/g)?.length, SANITIZER_POLICY.nestingLimit);
      assert.ok(output.includes('deep'));
    });

    it('closes unclosed allowed tags', () => {
      assert.equal(sanitizeAgentHtml('<p>unclosed <b>bold'), '<p>unclosed <b>bold</b></p>');
    });
  });

  describe('text', () => {
    it('escapes <, > and & in plain text', () => {
      assert.equal(sanitizeAgentHtml('a < b && c > d'), 'a &lt; b &amp;&amp; c &gt; d');
      assert.equal(sanitizeAgentHtml('5<6 & 7>3'), '5&lt;6 &amp; 7&gt;3');
    });

    it('keeps escaped markup escaped instead of decoding it into tags', () => {
      assert.equal(sanitizeAgentHtml('&lt;script&gt;alert(1)&lt;/script&gt;'), '&lt;script&gt;alert(1)&lt;/script&gt;');
      assert.equal(sanitizeAgentHtml('Tom &amp; Jerry'), 'Tom &amp; Jerry');
    });

    it('returns an empty string for an empty line or one with nothing harmless left', () => {
      assert.equal(sanitizeAgentHtml(''), '');
      assert.equal(sanitizeAgentHtml('<script>alert(1)</script>'), '');
    });
  });

  it('documents a policy that allows no element able to run code or load a document', () => {
    for (const element of FORBIDDEN_ELEMENTS) assert.ok(!ALLOWED_TAGS.has(element), element);
    assert.deepEqual(SANITIZER_POLICY.link.schemes, ['http', 'https', 'mailto', 'tel']);
    assert.equal(SANITIZER_POLICY.link.allowsProtocolRelative, false);
  });
});
