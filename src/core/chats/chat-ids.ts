import type { Random } from '../ports.js';
import { randomHex, randomUint63 } from '../tokens.js';

const digits = (random: Random, count: number): string =>
  Array.from(random.bytes(count), (byte) => String(byte % 10)).join('');

/**
 * `H` + a random positive 63-bit integer + `-` + 32 random hex digits + `K` + 7 digits: LivePerson's
 * shape (server-chat §4.6), the same id on both APIs, and unguessable (128 random bits in the middle).
 */
export function newChatId(random: Random): string {
  return `H${randomUint63(random)}-${randomHex(random, 16)}K${digits(random, 7)}`;
}

/** A 16-digit visitor id, below 2^53 so JSON numbers carry it exactly. */
export function newVisitorId(random: Random): number {
  return Number(`${1 + (random.bytes(1)[0]! % 8)}${digits(random, 15)}`);
}

/** A 10-digit real-time session id (a number in info, server-chat §3.12). */
export function newRtSessionId(random: Random): number {
  return Number(`4${digits(random, 9)}`);
}

/** Chat ids in URLs: letters, digits and `-` (server-chat §4.6). */
export const CHAT_ID_PATTERN = /^[A-Za-z0-9-]{1,80}$/;

/** The visit id: the chat id without its middle part, `H…K…` (chat-agent-api §3.26, D2's `visit-id` link). */
export const visitIdOf = (chatId: string): string => chatId.replace(/-[0-9a-f]+(?=K)/, '');
