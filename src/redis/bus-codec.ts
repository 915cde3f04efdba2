import type { DomainEvent } from '../core/ports.js';

/**
 * What goes over the Redis channel: the event and the node that published it (so that it ignores
 * its own), or a node's notice that some of its events never reached the channel (`resync`).
 */
export type BusMessage = { node: string; event: DomainEvent } | { node: string; resync: true };

type Path = (string | number)[];

/**
 * A DomainEvent as JSON, restored exactly on the other side. The events hold plain data — times are
 * epoch milliseconds, never Dates, and there are no Maps or Sets — so JSON keeps everything except
 * a property whose value is `undefined` (an optional field set to nothing): JSON drops it from an
 * object and turns it into null in an array. Those places are listed beside the event and put back,
 * so that a chat from another node is the same value as the one its writer announced.
 */
export function encodeBusMessage(message: BusMessage): string {
  if ('resync' in message) return JSON.stringify({ v: 1, node: message.node, resync: true });
  const undefinedAt: Path[] = [];
  findUndefined(message.event, [], undefinedAt);
  return JSON.stringify({ v: 1, node: message.node, event: message.event, undefinedAt });
}

/** The message, or undefined for one this version does not read (a newer node's). */
export function decodeBusMessage(text: string): BusMessage | undefined {
  const parsed: unknown = JSON.parse(text);
  if (!isRecord(parsed) || parsed.v !== 1 || typeof parsed.node !== 'string') return undefined;
  if (parsed.resync === true) return { node: parsed.node, resync: true };
  const { event, undefinedAt } = parsed;
  if (!isRecord(event) || typeof event.type !== 'string' || !Array.isArray(undefinedAt)) return undefined;
  for (const path of undefinedAt as unknown[]) {
    if (Array.isArray(path)) putUndefined(event, path as Path);
  }
  // The publishing node built it as a DomainEvent; this is its JSON copy with its gaps restored.
  return { node: parsed.node, event: event as DomainEvent };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function findUndefined(value: unknown, path: Path, found: Path[]): void {
  if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => {
      if (item === undefined) found.push([...path, index]);
      else findUndefined(item, [...path, index], found);
    });
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) found.push([...path, key]);
      else findUndefined(item, [...path, key], found);
    }
  }
}

/** Sets a property `findUndefined` found, through own properties only (never a prototype). */
function putUndefined(root: Record<string, unknown>, path: Path): void {
  const last = path.at(-1);
  let at: unknown = root;
  for (const step of path.slice(0, -1)) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, step)) return;
    at = (at as Record<string | number, unknown>)[step];
  }
  if (typeof at !== 'object' || at === null || last === undefined) return;
  if (Array.isArray(at) ? typeof last === 'number' && last < at.length : typeof last === 'string') {
    (at as Record<string | number, unknown>)[last] = undefined;
  }
}
