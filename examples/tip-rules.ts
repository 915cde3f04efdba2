/**
 * The tip bot's rules (examples/tip-bot.ts), pure so that tests drive them: which suggested replies
 * a visitor's line calls for.
 */

/** A suggestion for the agent holding the chat: the reply to offer, and the tip shown with it. */
export interface Tip {
  /** What the agent's composer may take as it is. */
  reply: string;
  /** Why the bot suggests it, for the agent's eyes. */
  note: string;
}

/**
 * An order number in a line: `#12345`, or a number after "order" ("order 12345", "order no. 12345",
 * "order number: #12345"). Three digits at least, so "order 2 shirts" is not one.
 */
export function orderNumberIn(text: string): string | undefined {
  const match = /#(\d{3,})\b/.exec(text) ?? /\border\b(?:\s*(?:number|no\.?|nr\.?))?\s*:?\s*#?(\d{3,})\b/i.exec(text);
  return match?.[1];
}

/** Words that ask for money back. */
const REFUND_WORDS = /\b(?:refunds?|refunded|refunding|money back|return|returns|returned|returning)\b/i;

/** The refund policy as the agent would word it. */
export const REFUND_REPLY =
  'You can return any item within 30 days of delivery for a full refund. Shall I start the return for you?';

/** The tips a visitor line calls for, in order: its order number first, then a refund request. */
export function tipsFor(text: string): Tip[] {
  const tips: Tip[] = [];
  const orderNumber = orderNumberIn(text);
  if (orderNumber !== undefined) {
    tips.push({
      reply: `I can see order ${orderNumber} — let me look it up for you.`,
      note: `The visitor mentions order ${orderNumber}.`,
    });
  }
  if (REFUND_WORDS.test(text)) tips.push({ reply: REFUND_REPLY, note: 'The visitor asks about a refund.' });
  return tips;
}
