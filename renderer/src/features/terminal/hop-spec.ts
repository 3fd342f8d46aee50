import { shortHopLabel, type Hop } from '@contract/ssh';

const HOST_RE = /^[A-Za-z0-9._:%[\]-]+$/;
const USER_RE = /^[A-Za-z0-9._][A-Za-z0-9._@-]*$/;

export const isHostName = (s: string): boolean => s.length > 0 && s.length <= 253 && HOST_RE.test(s);
export const isUserName = (s: string): boolean => s.length > 0 && s.length <= 64 && USER_RE.test(s);

/**
 * "user@host", "user@host:port", "user@[fe80::1]:2222" (the user is everything before the last @).
 * Null when it is not one of those.
 */
export function parseHopSpec(spec: string, defaultPort = 22): Pick<Hop, 'user' | 'host' | 'port'> | null {
  const s = spec.trim();
  const at = s.lastIndexOf('@');
  if (at <= 0) return null;
  const user = s.slice(0, at);
  let rest = s.slice(at + 1);
  let port = defaultPort;
  let host: string;
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0) return null;
    host = rest.slice(1, end);
    rest = rest.slice(end + 1);
    if (rest) {
      if (!/^:\d{1,5}$/.test(rest)) return null;
      port = Number(rest.slice(1));
    }
  } else {
    const colons = rest.split(':').length - 1;
    if (colons === 1) {
      const [h, p] = rest.split(':') as [string, string];
      if (!/^\d{1,5}$/.test(p)) return null;
      host = h;
      port = Number(p);
    } else {
      host = rest; // a name, an IPv4 address, or a bare IPv6 address (no port)
    }
  }
  if (!isUserName(user) || !isHostName(host) || port < 1 || port > 65535) return null;
  return { user, host, port };
}

/** The inverse of parseHopSpec. */
export const formatHopSpec = shortHopLabel;
