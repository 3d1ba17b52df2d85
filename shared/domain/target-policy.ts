import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { LoaError } from './errors.ts';

/**
 * Where Loa may send a partner request: the guard against server-side request forgery. A webhook URL
 * is an operator's input, and the host it names resolves at send time, so both are checked: the URL
 * when an agreement is made, every resolved address when a request goes out (docs/security.md).
 */
export interface TargetPolicy {
  /** Loopback, private, link-local and metadata addresses allowed: the local runtime and its tests. */
  allowPrivateTargets: boolean;
}

/** A request refused before any connection, because of where it would have gone. */
export class TargetRefusedError extends LoaError {}

/** One special-purpose range, as a `net.BlockList` (Node's own CIDR matcher) with why it is refused. */
interface Rule {
  list: BlockList;
  why: string;
}

const rule = (family: 'ipv4' | 'ipv6', cidr: string, why: string): Rule => {
  const [net = '', bits] = cidr.split('/');
  const list = new BlockList();
  list.addSubnet(net, Number(bits ?? (family === 'ipv4' ? 32 : 128)), family);
  return { list, why };
};
const v4 = (cidr: string, why: string) => rule('ipv4', cidr, why);
const v6 = (cidr: string, why: string) => rule('ipv6', cidr, why);

/** IANA's special-purpose IPv4 ranges (RFC 6890 and successors): none is a partner's public endpoint. */
const V4_RULES: Rule[] = [
  v4('0.0.0.0/8', 'an unspecified ("this network") address'),
  v4('10.0.0.0/8', 'a private address'),
  v4('100.64.0.0/10', 'a carrier-grade NAT address'),
  v4('127.0.0.0/8', 'a loopback address'),
  v4('169.254.169.254/32', 'the cloud instance metadata address'),
  v4('169.254.0.0/16', 'a link-local address'),
  v4('172.16.0.0/12', 'a private address'),
  v4('192.0.0.0/24', 'an IETF protocol address'),
  v4('192.0.2.0/24', 'a documentation address'),
  v4('192.88.99.0/24', 'a 6to4 relay address'),
  v4('192.168.0.0/16', 'a private address'),
  v4('198.18.0.0/15', 'a benchmarking address'),
  v4('198.51.100.0/24', 'a documentation address'),
  v4('203.0.113.0/24', 'a documentation address'),
  v4('224.0.0.0/4', 'a multicast address'),
  v4('240.0.0.0/4', 'a reserved address'),
];

/**
 * Special-purpose IPv6 ranges. Addresses that carry an IPv4 address at a known place (IPv4-mapped,
 * IPv4-translated, NAT64 well-known prefix, 6to4) are judged by that IPv4 first (embeddedIPv4).
 */
const V6_RULES: Rule[] = [
  v6('::/128', 'an unspecified address'),
  v6('::1/128', 'a loopback address'),
  v6('fd00:ec2::254/128', 'the cloud instance metadata address'),
  // RFC 8215's local-use NAT64 prefix: the IPv4 inside sits where the operator chose, so all of it goes.
  v6('64:ff9b:1::/48', 'a local NAT64 address'),
  v6('100::/64', 'a discard address'),
  // Teredo hides (obfuscates) an IPv4 address of its own; nothing a partner should use.
  v6('2001::/32', 'a Teredo address'),
  v6('2001:db8::/32', 'a documentation address'),
  v6('fc00::/7', 'a unique local (private) address'),
  v6('fe80::/10', 'a link-local address'),
  v6('fec0::/10', 'a site-local address'),
  v6('ff00::/8', 'a multicast address'),
  // Deprecated IPv4-compatible addresses (::a.b.c.d): nothing public uses them.
  v6('::/96', 'an IPv4-compatible address'),
];

/** The 16 bytes of an IPv6 address (zone id dropped, embedded dotted IPv4 read); undefined if malformed. */
function ipv6Bytes(address: string): number[] | undefined {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIPv6(ip)) return undefined;
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(ip)?.[1];
  if (dotted) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
    text = `${ip.slice(0, -dotted.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return all.flatMap((g) => {
    const n = Number.parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/** Why `address` (a literal IPv4 or IPv6 address) is not a public one; undefined when it is public. */
export function nonPublicAddressReason(address: string): string | undefined {
  if (isIPv4(address)) return V4_RULES.find((r) => r.list.check(address, 'ipv4'))?.why;
  const bytes = ipv6Bytes(address);
  if (!bytes) return 'not an IP address';
  const embedded = embeddedIPv4(bytes);
  if (embedded) {
    const why = nonPublicAddressReason(embedded);
    if (why) return why;
  }
  const canonical = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  return V6_RULES.find((r) => r.list.check(canonical, 'ipv6'))?.why;
}

/**
 * The IPv4 address an IPv6 one carries at a fixed place: IPv4-mapped (::ffff:0:0/96), IPv4-translated
 * (::ffff:0:0:0/96, RFC 2765), NAT64's well-known prefix (64:ff9b::/96) or 6to4 (2002::/16).
 */
function embeddedIPv4(b: number[]): string | undefined {
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return b.slice(12).join('.');
  if (zeros(0, 8) && b[8] === 0xff && b[9] === 0xff && zeros(10, 12)) return b.slice(12).join('.');
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12))
    return b.slice(12).join('.');
  if (b[0] === 0x20 && b[1] === 0x02) return b.slice(2, 6).join('.');
  return undefined;
}

/** Names that never reach a partner's public server: RFC 6761/8375 special-use and cloud-internal names. */
function internalNameReason(host: string): string | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return 'a loopback name';
  if (/(^|\.)(local|internal|home\.arpa|localdomain)$/.test(name)) return 'a private network name';
  if (!name.includes('.')) return 'a single-label (intranet) name';
  return undefined;
}

/**
 * Why `url` must not be a webhook target under `policy`; undefined when it may be. Checks what the URL
 * itself shows (scheme, credentials, a literal address, an internal name); the addresses a name
 * resolves to are checked again at every send.
 */
export function targetUrlProblem(url: string, policy: TargetPolicy): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http(s) URL';
  if (parsed.username || parsed.password) {
    return 'must not carry credentials (they would be stored and logged in clear)';
  }
  if (policy.allowPrivateTargets) return undefined;
  // WHATWG URL parsing has already turned 2130706433, 0x7f.1 and 127.1 into 127.0.0.1.
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const why = isIPv4(host) || isIPv6(host) ? nonPublicAddressReason(host) : internalNameReason(host);
  return why && `points at ${why} (${host}); private targets are not allowed`;
}

/** Why a resolved address may not be connected to under `policy`; undefined when it may. */
export function resolvedAddressProblem(
  host: string,
  address: string,
  policy: TargetPolicy,
): string | undefined {
  if (policy.allowPrivateTargets) return undefined;
  const why = nonPublicAddressReason(address);
  return why && `${host} resolves to ${why} (${address}); private targets are not allowed`;
}
