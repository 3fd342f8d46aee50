import { parseIp, type IpAddress } from './cidr';

/**
 * Who the client is. The direct peer, unless the peer is a trusted proxy: then X-Forwarded-For
 * is read right to left (each proxy appends the address it saw), trusted hops are skipped, and
 * the first untrusted address is the client. If every hop is trusted, the leftmost is the
 * client. An X-Forwarded-For from an untrusted peer is ignored: anyone can write one.
 */

export interface TrustedProxies {
  has(ip: IpAddress): boolean;
}

export type ClientAddress =
  | { ok: true; ip: IpAddress; via: 'peer' | 'forwarded'; peer: IpAddress }
  | { ok: false; reason: string; peer?: IpAddress };

/** Hops read at most; a longer chain means a loop or an attack, and the walk stops there. */
const MAX_HOPS = 32;

/** One X-Forwarded-For element: "10.0.0.5", "10.0.0.5:4711", "[fd00::5]:80", "fd00::5", "\"[fd00::5]\"". */
export function parseForwardedElement(raw: string): IpAddress | undefined {
  let s = raw.trim();
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1);
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) return undefined;
    const rest = s.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    s = s.slice(1, end);
    return s.includes(':') ? parseIp(s) : undefined;
  }
  const colon = s.indexOf(':');
  if (colon >= 0 && s.indexOf(':', colon + 1) < 0) {
    // "a.b.c.d:port": exactly one colon can only be an IPv4 address with a port.
    if (!/^\d{1,5}$/.test(s.slice(colon + 1))) return undefined;
    s = s.slice(0, colon);
    const ip = parseIp(s);
    return ip?.family === 4 ? ip : undefined;
  }
  return parseIp(s);
}

export function resolveClientAddress(
  peerText: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: TrustedProxies,
): ClientAddress {
  const peer = peerText === undefined ? undefined : parseIp(peerText);
  if (!peer) return { ok: false, reason: `the connection has no usable peer address (${peerText ?? 'none'})` };
  if (forwardedFor === undefined || !trusted.has(peer)) return { ok: true, ip: peer, via: 'peer', peer };
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  if (header.trim() === '') return { ok: true, ip: peer, via: 'peer', peer };
  const parts = header.split(',');
  let hops = 0;
  let last: IpAddress | undefined;
  for (let i = parts.length - 1; i >= 0; i--) {
    if (++hops > MAX_HOPS) return { ok: false, peer, reason: `X-Forwarded-For from ${peer.text} has more than ${MAX_HOPS} trusted hops` };
    const raw = parts[i]!;
    const ip = parseForwardedElement(raw);
    if (!ip) {
      return { ok: false, peer, reason: `X-Forwarded-For from trusted proxy ${peer.text} has ${describe(raw)}, which is not an IP address` };
    }
    if (!trusted.has(ip)) return { ok: true, ip, via: 'forwarded', peer };
    last = ip;
  }
  return { ok: true, ip: last ?? peer, via: 'forwarded', peer };
}

function describe(raw: string): string {
  const t = raw.trim();
  if (t === '') return 'an empty element';
  const shown = t.length > 48 ? `${t.slice(0, 47)}…` : t;
  return JSON.stringify(shown.replace(/[^\x20-\x7e]/g, '?'));
}
