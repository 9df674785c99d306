/**
 * A server's addresses, from both shapes the Compute API uses, and the one to connect to.
 * OpenStack: `addresses.<network>[]` with `OS-EXT-IPS:type` fixed/floating. Rackspace: networks
 * `public`/`private` without those fields, plus `accessIPv4`/`accessIPv6`. No `vscode` import.
 */
import * as net from 'node:net';
import * as l10n from '../base/l10n';

/** Why an address ranks where it does; also the order of the default choice. */
export type AddressRank = 'floating' | 'public-ipv4' | 'ipv6' | 'fixed';

export const ADDRESS_RANK_ORDER: readonly AddressRank[] = ['floating', 'public-ipv4', 'ipv6', 'fixed'];

export interface ServerAddress {
  /** The IP in canonical text form (IPv6 lower-case, no zone, no brackets). */
  ip: string;
  version: 4 | 6;
  /** The network it is listed under ('public', 'private', 'net1'…), or 'accessIPv4'/'accessIPv6'. */
  network: string;
  /** OpenStack's `OS-EXT-IPS:type` when given, 'access' for accessIPv4/6, else undefined. */
  type?: 'fixed' | 'floating' | 'access';
  rank: AddressRank;
}

/** The server fields addresses come from, as the server sent them (anything may be wrong). */
export interface RawAddressFields {
  addresses?: unknown;
  accessIPv4?: unknown;
  accessIPv6?: unknown;
}

/** Most addresses read per server; a server listing more is lying or broken. */
const MAX_ADDRESSES = 64;
const MAX_NETWORK_NAME = 255;

/** The IP as canonical text, or undefined when `value` is not an IP address of `version` (if given). */
export function parseIp(value: unknown, version?: 4 | 6): { ip: string; version: 4 | 6 } | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const text = value.trim();
  if (text.includes('%')) return undefined; // a zone only means something on the server itself
  const kind = net.isIP(text);
  if (kind !== 4 && kind !== 6) return undefined;
  if (version !== undefined && kind !== version) return undefined;
  if (kind === 4) return { ip: text, version: 4 };
  return { ip: canonicalIpv6(text), version: 6 };
}

/** RFC 5952 text of a valid IPv6 address: lower case, no leading zeros, the longest zero run as `::`. */
function canonicalIpv6(text: string): string {
  if (text.includes('.')) return new URL(`http://[${text}]/`).hostname.slice(1, -1); // embedded IPv4: rare
  const [head, tail] = text.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right].map((g) =>
    g.replace(/^0+(?=.)/, ''),
  );
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function ipv4Octets(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** A v4 address reachable from the Internet (not private, shared, loopback, link-local or reserved). */
export function isPublicIpv4(ip: string): boolean {
  const [a = 0, b = 0] = ipv4Octets(ip);
  if (a === 10 || a === 127 || a === 0 || a >= 224) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 169 && b === 254) return false;
  if (a === 100 && b >= 64 && b <= 127) return false; // shared address space (CGNAT)
  return true;
}

/** A v6 address that is neither link-local (fe80::/10), unique-local (fc00::/7), loopback nor unspecified. */
export function isGlobalIpv6(ip: string): boolean {
  const first = parseInt(ip.split(':')[0] || '0', 16);
  if (ip === '::1' || ip === '::') return false;
  if ((first & 0xfe00) === 0xfc00) return false;
  if ((first & 0xffc0) === 0xfe80) return false;
  return true;
}

function rankOf(version: 4 | 6, ip: string, type: ServerAddress['type'], network: string): AddressRank {
  if (type === 'floating') return 'floating';
  if (version === 4) {
    if (type === 'access') return 'public-ipv4';
    // Rackspace's `public` network, or an OpenStack provider network with routable addresses.
    if (type === undefined && network === 'public') return 'public-ipv4';
    return isPublicIpv4(ip) ? 'public-ipv4' : 'fixed';
  }
  return isGlobalIpv6(ip) || type === 'access' ? 'ipv6' : 'fixed';
}

function cleanNetworkName(name: string): string {
  // Network names are display text from the server: no control or format characters, bounded length.
  return (
    name
      .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, ' ')
      .trim()
      .slice(0, MAX_NETWORK_NAME) || '(unnamed)'
  );
}

/**
 * Every usable address of a server, best first (floating, public IPv4, IPv6, fixed; within a
 * rank, in the server's order). Entries that are not IP addresses are dropped; an address listed
 * twice (e.g. accessIPv4 and `public`) appears once, at its best rank. Link-local IPv6 is dropped
 * (it needs an interface zone). Never throws.
 */
export function extractAddresses(raw: RawAddressFields): ServerAddress[] {
  const found: ServerAddress[] = [];
  const push = (value: unknown, declared: unknown, network: string, type: ServerAddress['type']): void => {
    if (found.length >= MAX_ADDRESSES) return;
    const parsed = parseIp(value, declared === 4 || declared === 6 ? declared : undefined);
    if (!parsed) return;
    if (parsed.version === 6 && (parseInt(parsed.ip.split(':')[0] || '0', 16) & 0xffc0) === 0xfe80) return;
    found.push({ ...parsed, network, type, rank: rankOf(parsed.version, parsed.ip, type, network) });
  };
  if (raw.accessIPv4 !== '' && raw.accessIPv4 !== undefined) push(raw.accessIPv4, 4, 'accessIPv4', 'access');
  if (raw.accessIPv6 !== '' && raw.accessIPv6 !== undefined) push(raw.accessIPv6, 6, 'accessIPv6', 'access');
  const networks = raw.addresses;
  if (networks && typeof networks === 'object' && !Array.isArray(networks)) {
    for (const [name, list] of Object.entries(networks as Record<string, unknown>)) {
      if (!Array.isArray(list)) continue;
      const network = cleanNetworkName(name);
      for (const entry of list.slice(0, MAX_ADDRESSES)) {
        if (!entry || typeof entry !== 'object') continue;
        const e = entry as Record<string, unknown>;
        const t = e['OS-EXT-IPS:type'];
        push(e.addr, e.version, network, t === 'fixed' || t === 'floating' ? t : undefined);
      }
    }
  }
  return orderAddresses(found);
}

/** Best first, one entry per IP (at its best rank; stable within a rank). */
export function orderAddresses(addresses: readonly ServerAddress[]): ServerAddress[] {
  const rankIndex = (a: ServerAddress) => ADDRESS_RANK_ORDER.indexOf(a.rank);
  const sorted = addresses
    .map((a, i) => ({ a, i }))
    .sort((x, y) => rankIndex(x.a) - rankIndex(y.a) || x.i - y.i)
    .map((x) => x.a);
  const seen = new Set<string>();
  return sorted.filter((a) => (seen.has(a.ip) ? false : (seen.add(a.ip), true)));
}

export interface AddressChoice {
  /** The default address to connect to; undefined when the server has none. */
  best?: ServerAddress;
  /** The other addresses, in order, for a pick. */
  others: ServerAddress[];
}

/** The default address (floating, then public IPv4, then IPv6, then fixed) and the rest in order. */
export function chooseAddress(addresses: readonly ServerAddress[]): AddressChoice {
  const ordered = orderAddresses(addresses);
  return { best: ordered[0], others: ordered.slice(1) };
}

/** One line for a pick or a tooltip: `203.0.113.7 (floating IPv4, private)`. */
export function describeAddress(address: ServerAddress): string {
  const { ip, network } = address;
  const v6 = address.version === 6;
  switch (address.rank) {
    case 'floating':
      return v6 ? l10n.t('{0} (floating IPv6, {1})', ip, network) : l10n.t('{0} (floating IPv4, {1})', ip, network);
    case 'public-ipv4':
      return l10n.t('{0} (public IPv4, {1})', ip, network);
    case 'ipv6':
      return l10n.t('{0} (IPv6, {1})', ip, network);
    case 'fixed':
      return v6 ? l10n.t('{0} (fixed IPv6, {1})', ip, network) : l10n.t('{0} (fixed IPv4, {1})', ip, network);
  }
}
