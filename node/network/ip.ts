import { isIPv4, isIPv6 } from 'node:net';
import type { Multiaddr } from '@multiformats/multiaddr';

/** The IP of a multiaddr (its first ip4/ip6 component), IPv4-mapped IPv6 as IPv4; undefined when none. */
export function ipOf(addr: Multiaddr): string | undefined {
  try {
    const c = addr.getComponents().find((x) => x.name === 'ip4' || x.name === 'ip6');
    if (!c?.value) return undefined;
    const ip = c.value.toLowerCase();
    const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
    if (dotted) return dotted[1];
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(ip);
    if (hex) {
      const [hi, lo] = [Number.parseInt(hex[1], 16), Number.parseInt(hex[2], 16)];
      return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
    }
    return ip;
  } catch {
    return undefined;
  }
}

/**
 * The network an address belongs to, for caps on how many identities one operator can place: the
 * /24 of an IPv4 address, the /48 of an IPv6 address (what one site or one cloud tenant usually
 * holds). Anything else is its own group.
 */
export function ipGroup(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(ip)) return `${expandIPv6(ip).slice(0, 3).join(':')}::/48`;
  return ip;
}

/** the eight hextets of an IPv6 address, without leading zeros */
function expandIPv6(ip: string): string[] {
  const [head, tail] = ip.split('::');
  const part = (s: string | undefined) => (s ? s.split(':') : []);
  const h = part(head);
  const t = tail === undefined ? [] : part(tail);
  const zeros = Array.from({ length: Math.max(0, 8 - h.length - t.length) }, () => '0');
  return [...h, ...zeros, ...t].map((x) =>
    x.includes('.') ? x : (Number.parseInt(x, 16) || 0).toString(16),
  );
}
