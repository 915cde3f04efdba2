/**
 * The assist bot's script (examples/assist-bot.ts), pure so that tests drive it: what it says when
 * it joins, which visitor line answers it, and what it reports to the agents.
 */
import type { ChatEvent } from '@parley/sdk';
import { orderNumberIn } from './tip-rules.js';

/** What the bot says to the visitor as it joins. */
export const ASSIST_GREETING = "Hi, I'm AssistBot. What is your order number?";

/**
 * The order number a chat event gives, if it is a visitor's line with a number in it: an order
 * number as the tip bot reads one, else the first run of digits (the visitor answers a question).
 */
export function orderNumberAnswer(event: ChatEvent): string | undefined {
  if (event.type !== 'line' || event.source !== 'visitor' || event.text === undefined) return undefined;
  return orderNumberIn(event.text) ?? /\d+/.exec(event.text)?.[0];
}

/** The tip the bot leaves for the agents before it leaves the chat. */
export const orderNumberTip = (orderNumber: string): string => `Order number: ${orderNumber}`;
