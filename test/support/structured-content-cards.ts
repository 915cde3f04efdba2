/**
 * Structured content templates (chat-agent-api §3.15) the tests post: cards Parley stores and draws,
 * and cards it refuses with 400 / 40. Images are served by nobody: a card is checked, not fetched.
 */

const publish = (text: string) => ({ actions: [{ type: 'publishText', text }] });
const link = (uri: string) => ({ actions: [{ type: 'link', name: 'Open', uri }] });

/** A product card: image, title, subtitle, a link button and a publish-text button. */
export const PRODUCT_CARD = {
  type: 'vertical',
  elements: [
    { type: 'image', url: 'https://images.example.com/bouquet.png', caption: 'Birthday Bouquet', tooltip: 'bouquet' },
    { type: 'text', text: 'Birthday Bouquet', tooltip: 'Title', style: { bold: true, size: 'large' } },
    { type: 'text', text: 'Wild flowers', style: { color: '#5a5a5a', size: 'small' } },
    { type: 'button', title: 'Open the shop', click: link('https://shop.example.com/bouquet') },
    {
      type: 'button',
      title: 'Send me one',
      click: { metadata: [{ type: 'ExternalId', id: 'bouquet-1' }], ...publish('I would like a bouquet') },
    },
  ],
};

export const VALID_CARDS: Record<string, unknown> = {
  'product-card': PRODUCT_CARD,
  // The example of chat-agent-api §3.15, with its five-digit colour, as LivePerson's page shows it.
  'spec-example': {
    type: 'vertical',
    elements: [
      {
        type: 'text',
        text: 'Dentist Appointment',
        tooltip: 'Create new appointment',
        style: { bold: true, size: 'large', color: '#000' },
      },
      {
        type: 'button',
        title: 'Create new appointment',
        click: { metadata: [{ type: 'ExternalId', id: '12345678' }], actions: [{ type: 'publishText', text: 'day' }] },
        style: { bold: false, size: 'medium', color: '#0A0A0' },
      },
    ],
  },
  horizontal: {
    type: 'vertical',
    elements: [
      { type: 'text', text: 'Was this helpful?' },
      {
        type: 'horizontal',
        elements: [
          { type: 'button', title: 'Yes', click: publish('Yes') },
          { type: 'button', title: 'No', click: publish('No') },
        ],
      },
    ],
  },
  carousel: {
    type: 'carousel',
    padding: 10,
    elements: [
      {
        type: 'vertical',
        elements: [
          { type: 'image', url: 'https://images.example.com/red.png' },
          { type: 'text', text: 'Red roses' },
          { type: 'button', title: 'Choose red', click: publish('Red roses') },
        ],
      },
      {
        type: 'vertical',
        elements: [
          { type: 'image', url: 'https://images.example.com/white.png' },
          { type: 'text', text: 'White lilies' },
          { type: 'button', title: 'Choose white', click: publish('White lilies') },
        ],
      },
    ],
  },
  'quick-replies': {
    type: 'vertical',
    elements: [{ type: 'text', text: 'Which size?' }],
    quickReplies: {
      type: 'quickReplies',
      itemsPerRow: 3,
      replies: ['Small', 'Medium', 'Large'].map((size) => ({
        type: 'button',
        title: size,
        click: { metadata: [{ type: 'ExternalId', id: size.toLowerCase() }], ...publish(size) },
      })),
    },
  },
  // The shapes an XML body maps to (chat-agent-api §1.6): a list of one as an object, numbers and
  // booleans as strings. Stored with the JSON shapes.
  'xml-shapes': {
    type: 'carousel',
    padding: '4',
    elements: {
      type: 'vertical',
      elements: { type: 'button', title: 'Only card', click: { actions: { type: 'publishText', text: 'only' } } },
    },
  },
};

const button = (click: unknown) => ({ type: 'vertical', elements: [{ type: 'button', title: 'Go', click }] });

export const INVALID_CARDS: Record<string, unknown> = {
  'http-image': { type: 'vertical', elements: [{ type: 'image', url: 'http://images.example.com/a.png' }] },
  'data-image': { type: 'vertical', elements: [{ type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' }] },
  'javascript-link': button(link('javascript:alert(document.cookie)')),
  'relative-link': button(link('/account/settings')),
  'unknown-element': { type: 'vertical', elements: [{ type: 'map', la: 64.1, lo: -21.9 }] },
  'unknown-action': button({ actions: [{ type: 'navigate', name: 'Store', la: 1, lo: 2 }] }),
  'unknown-template': { type: 'grid', elements: [{ type: 'text', text: 'x' }] },
  'no-elements': { type: 'vertical', elements: [] },
  'button-without-click': { type: 'vertical', elements: [{ type: 'button', title: 'Go' }] },
  'empty-text': { type: 'vertical', elements: [{ type: 'text', text: '  ' }] },
  'style-injection': {
    type: 'vertical',
    elements: [{ type: 'text', text: 'x', style: { color: 'red; background: url(https://evil.example.com/)' } }],
  },
  'quick-reply-link': {
    type: 'vertical',
    elements: [{ type: 'text', text: 'Pick' }],
    quickReplies: {
      type: 'quickReplies',
      replies: [{ type: 'button', title: 'Shop', click: link('https://shop.example.com/') }],
    },
  },
  'carousel-of-eleven': {
    type: 'carousel',
    elements: Array.from({ length: 11 }, (_, index) => ({
      type: 'vertical',
      elements: [{ type: 'text', text: `Card ${index + 1}` }],
    })),
  },
  'nested-too-deep': [1, 2, 3, 4, 5, 6].reduce<Record<string, unknown>>(
    (inner) => ({ type: 'vertical', elements: [inner] }),
    { type: 'text', text: 'deep' },
  ),
  'not-an-object': ['vertical'],
};
