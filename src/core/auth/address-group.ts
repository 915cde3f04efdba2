const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;
const HEXTET = /^[0-9a-f]{1,4}$/i;

/** The eight hextets of an IPv6 address (`::` expanded), or undefined when it is not one. */
function hextets(address: string): string[] | undefined {
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const [head = '', tail] = halves;
  const split = (part: string) => (part === '' ? [] : part.split(':'));
  const left = split(head);
  const right = tail === undefined ? [] : split(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const all = [...left, ...Array.from({ length: tail === undefined ? 0 : missing }, () => '0'), ...right];
  return all.every((part) => HEXTET.test(part)) ? all : undefined;
}

/**
 * The network a client address stands for when failures are counted per source: an IPv4 address
 * itself, an IPv6 address's /64 (one subscriber is routinely given a whole /64, so counting single
 * IPv6 addresses would let one attacker rotate through 2^64 of them), and an IPv4-mapped IPv6
 * address as the IPv4 address it is. Anything unparsable counts as itself.
 */
export function addressGroup(address: string): string {
  const plain = address.replace(/%.*$/, '');
  const mapped = IPV4_MAPPED.exec(plain);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (!plain.includes(':')) return plain;
  const parts = hextets(plain);
  if (parts === undefined) return plain;
  return `${parts
    .slice(0, 4)
    .map((part) => part.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
