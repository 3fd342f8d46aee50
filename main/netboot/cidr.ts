/**
 * IPv4 and IPv6 addresses and networks, parsed strictly. IPv4 is a uint32 number, IPv6 a
 * 128-bit bigint. An IPv4-mapped IPv6 address (::ffff:10.1.2.3, what a dual-stack socket reports
 * for an IPv4 peer) is the IPv4 address, and so is a network inside ::ffff:0:0/96. Parsers never
 * throw: they return undefined or an error text.
 */

export type IpAddress =
  | { readonly family: 4; readonly v4: number; readonly text: string; readonly mapped: boolean }
  | { readonly family: 6; readonly v6: bigint; readonly text: string; readonly zone?: string };

export type Cidr =
  | { readonly family: 4; readonly bits: number; readonly v4: number; readonly text: string }
  | { readonly family: 6; readonly bits: number; readonly v6: bigint; readonly text: string };

const V6_ALL = (1n << 128n) - 1n;

/** A dotted-quad IPv4 address as a uint32; undefined unless exactly four decimal octets (no leading zeros). */
export function parseIpv4(text: string): number | undefined {
  if (text.length < 7 || text.length > 15) return undefined;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46; /* "." ends the last octet */
    if (c === 46) {
      if (digits === 0) return undefined;
      value = value * 256 + octet;
      parts++;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined; // leading zero: "010" could mean octal
      octet = octet * 10 + (c - 48);
      if (octet > 255) return undefined;
      digits++;
    } else {
      return undefined;
    }
  }
  return parts === 4 ? value : undefined;
}

function hexGroup(s: string): number | undefined {
  if (s.length < 1 || s.length > 4 || !/^[0-9a-fA-F]+$/.test(s)) return undefined;
  return parseInt(s, 16);
}

/** An IPv6 address (with "::", an embedded IPv4 tail, an optional %zone) as a bigint. */
export function parseIpv6(text: string): { value: bigint; zone?: string } | undefined {
  if (text.length < 2 || text.length > 100) return undefined;
  let s = text;
  let zone: string | undefined;
  const pct = s.indexOf('%');
  if (pct >= 0) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (!/^[A-Za-z0-9._-]{1,32}$/.test(zone)) return undefined;
  }
  if (s.length > 45) return undefined;
  const groups: number[] = [];
  const parseSide = (side: string, allowV4Tail: boolean): number[] | undefined => {
    if (side === '') return [];
    const parts = side.split(':');
    const out: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (allowV4Tail && i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 === undefined) return undefined;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        const g = hexGroup(p);
        if (g === undefined) return undefined;
        out.push(g);
      }
    }
    return out;
  };
  const dc = s.indexOf('::');
  if (dc >= 0) {
    if (s.indexOf('::', dc + 1) >= 0) return undefined;
    const head = parseSide(s.slice(0, dc), false);
    const tail = parseSide(s.slice(dc + 2), true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else {
    const all = parseSide(s, true);
    if (!all || all.length !== 8) return undefined;
    groups.push(...all);
  }
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return zone === undefined ? { value } : { value, zone };
}

export function formatIpv4(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as "::". */
export function formatIpv6(v: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** An address in any accepted form; IPv4-mapped IPv6 comes back as IPv4 (mapped: true). */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, v4, text: formatIpv4(v4), mapped: false };
  if (!text.includes(':')) return undefined;
  const v6 = parseIpv6(text);
  if (!v6) return undefined;
  if (v6.value >> 32n === 0xffffn) {
    const mapped = Number(v6.value & 0xffffffffn);
    return { family: 4, v4: mapped, text: formatIpv4(mapped), mapped: true };
  }
  const base = { family: 6 as const, v6: v6.value, text: formatIpv6(v6.value) };
  return v6.zone === undefined ? base : { ...base, zone: v6.zone };
}

export function maskV4(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

export function maskV6(bits: number): bigint {
  return bits === 0 ? 0n : (V6_ALL << BigInt(128 - bits)) & V6_ALL;
}

export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; error: string };

/**
 * "10.40.0.0/24", "fd00:40::/64", "::ffff:10.0.0.0/104" (becomes 10.0.0.0/8). A bare address is
 * a host network (/32, /128) only when allowBareAddress. Host bits must be zero: "10.1.2.3/8" is
 * an error that names the network meant.
 */
export function parseCidr(text: string, options: { allowBareAddress?: boolean } = {}): CidrParse {
  const s = text.trim();
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  if (slash < 0 && !options.allowBareAddress) return { ok: false, error: `${JSON.stringify(text)} has no prefix length (write it as ADDRESS/BITS, e.g. 10.40.0.0/24)` };
  if (addrText.includes('%')) return { ok: false, error: `${JSON.stringify(text)}: a network cannot have a zone (%)` };
  const v4 = parseIpv4(addrText);
  const v6 = v4 === undefined ? parseIpv6(addrText) : undefined;
  if (v4 === undefined && !v6) return { ok: false, error: `${JSON.stringify(addrText)} is not an IPv4 or IPv6 address` };
  const max = v4 !== undefined ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const bitsText = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > max) {
      return { ok: false, error: `${JSON.stringify(bitsText)} is not a prefix length from 0 to ${max}` };
    }
    bits = Number(bitsText);
  }
  if (v4 !== undefined) return v4Cidr(v4, bits, text);
  const value = v6!.value;
  if (bits >= 96 && value >> 32n === 0xffffn) return v4Cidr(Number(value & 0xffffffffn), bits - 96, text);
  const network = value & maskV6(bits);
  if (network !== value) {
    return { ok: false, error: `${JSON.stringify(text)} has host bits set; the network is ${formatIpv6(network)}/${bits}` };
  }
  return { ok: true, cidr: { family: 6, bits, v6: network, text: `${formatIpv6(network)}/${bits}` } };
}

function v4Cidr(v4: number, bits: number, original: string): CidrParse {
  const network = (v4 & maskV4(bits)) >>> 0;
  if (network !== v4) {
    return { ok: false, error: `${JSON.stringify(original)} has host bits set; the network is ${formatIpv4(network)}/${bits}` };
  }
  return { ok: true, cidr: { family: 4, bits, v4: network, text: `${formatIpv4(network)}/${bits}` } };
}

export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  if (cidr.family === 4) return ip.family === 4 && ((ip.v4 & maskV4(cidr.bits)) >>> 0) === cidr.v4;
  return ip.family === 6 && (ip.v6 & maskV6(cidr.bits)) === cidr.v6;
}

/** Number of addresses in an IPv4 network, and its first and last address. */
export function ipv4Range(cidr: Extract<Cidr, { family: 4 }>): { first: number; last: number; size: number } {
  const size = 2 ** (32 - cidr.bits);
  return { first: cidr.v4, last: cidr.v4 + size - 1, size };
}
