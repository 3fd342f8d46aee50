/**
 * IP address text without Node's net module (shared by main and the renderer): parsing,
 * loopback checks and the bracketed form used in host:port.
 */

/** The four bytes of a dotted-quad IPv4 address, or undefined. Leading zeros are refused (ambiguous octal). */
export function parseIPv4(text: string): [number, number, number, number] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return bytes as [number, number, number, number];
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped, embedded IPv4 allowed), or undefined. */
export function parseIPv6(text: string): number[] | undefined {
  let a = text;
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  if (a === '' || !/^[0-9a-fA-F:.]+$/.test(a)) return undefined;
  const halves = a.split('::');
  if (halves.length > 2) return undefined;
  const parseSide = (side: string, allowV4Tail: boolean): number[] | undefined => {
    if (side === '') return [];
    const groups: number[] = [];
    const parts = side.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p.includes('.')) {
        if (!allowV4Tail || i !== parts.length - 1) return undefined;
        const v4 = parseIPv4(p);
        if (!v4) return undefined;
        groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        groups.push(parseInt(p, 16));
      }
    }
    return groups;
  };
  if (halves.length === 1) {
    const g = parseSide(halves[0]!, true);
    return g && g.length === 8 ? g : undefined;
  }
  const head = parseSide(halves[0]!, false);
  const tail = parseSide(halves[1]!, true);
  if (!head || !tail || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** A bracketed IPv6 literal ("[::1]") without its brackets; anything else unchanged. */
export function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * True for `localhost`, 127.0.0.0/8, ::1 and IPv4-mapped 127.x (::ffff:127.0.0.1, ::ffff:7f00:1):
 * addresses only this machine can reach. 0.0.0.0 and :: mean every interface: not loopback.
 */
export function isLoopbackAddress(address: string): boolean {
  const a = unbracket(address.trim()).toLowerCase();
  if (a === 'localhost' || a.endsWith('.localhost')) return true;
  const v4 = parseIPv4(a);
  if (v4) return v4[0] === 127;
  const g = parseIPv6(a);
  if (!g) return false;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 7) && g[7] === 1) return true;
  return zeros(0, 5) && g[5] === 0xffff && g[6]! >> 8 === 127;
}

export function isIpAddress(text: string): boolean {
  return parseIPv4(text) !== undefined || parseIPv6(unbracket(text)) !== undefined;
}

/** host:port with an IPv6 literal in brackets. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
