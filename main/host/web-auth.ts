import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import { AppError } from '../contract/errors';

/**
 * Who may talk to the web host: a per-run random token (query, cookie or bearer header), a Host
 * header naming this host (DNS-rebinding defence) and, for WebSockets, an Origin of our own.
 */

/** 32 random bytes, base64url: safe in a URL, a cookie value and a header. */
export function createToken(): string {
  return randomBytes(32).toString('base64url');
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,512}$/;

export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/** Constant-time comparison (hashing first hides the length too). */
export function tokensEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Cookies are shared by every port of a host, so the name carries the port. */
export function tokenCookieName(port: number): string {
  return `drover-token-${port}`;
}

export function tokenCookie(port: number, token: string): string {
  return `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export type CredentialSource = 'header' | 'query' | 'cookie';

export interface AuthResult {
  ok: boolean;
  /** Where the credential that decided came from; undefined when none was presented. */
  source?: CredentialSource;
}

/**
 * The first credential presented decides, in this order: Authorization: Bearer, ?token=, cookie.
 * An explicit wrong token is refused even if a valid cookie is present.
 */
export function authenticate(req: IncomingMessage, query: URLSearchParams, expected: string, port: number): AuthResult {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return { ok: m !== null && tokensEqual(m[1] ?? '', expected), source: 'header' };
  }
  const fromQuery = query.get('token');
  if (fromQuery !== null) return { ok: tokensEqual(fromQuery, expected), source: 'query' };
  const fromCookie = readCookie(req.headers.cookie, tokenCookieName(port));
  if (fromCookie !== undefined) return { ok: tokensEqual(fromCookie, expected), source: 'cookie' };
  return { ok: false };
}

/** "host:port" as it appears in a Host header and in an origin. */
export function formatHostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}

export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '0:0:0:0:0:0:0:0';
}

/** Host header values this host answers to. Anything else is refused (DNS rebinding). */
export function allowedHostHeaders(boundHost: string, port: number, extraAddresses: readonly string[] = []): Set<string> {
  const names = new Set<string>(['127.0.0.1', 'localhost', '::1', boundHost, ...extraAddresses]);
  const out = new Set<string>();
  for (const name of names) {
    if (isWildcardHost(name)) continue;
    out.add(formatHostPort(name, port).toLowerCase());
  }
  return out;
}

export function hostHeaderAllowed(req: IncomingMessage, allowed: ReadonlySet<string>): boolean {
  const host = req.headers.host;
  return typeof host === 'string' && allowed.has(host.toLowerCase());
}

/**
 * A WebSocket upgrade must come from a page of our own origin (the Host it addressed, already
 * checked). Without Origin (not a browser) only an explicit token is accepted, never a cookie.
 */
export function originAllowed(req: IncomingMessage, source: CredentialSource | undefined): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return source === 'header' || source === 'query';
  const host = req.headers.host;
  if (typeof host !== 'string') return false;
  return origin.toLowerCase() === `http://${host.toLowerCase()}`;
}

export interface BindCheck {
  remote: boolean;
  /** Set when the address is reachable from other machines (and allowRemote permits it). */
  warning?: string;
}

/** Loopback is the default; anything else must be asked for explicitly. Throws when refused. */
export function checkBindAddress(host: string, allowRemote: boolean): BindCheck {
  if (host.toLowerCase() !== 'localhost' && net.isIP(host) === 0) {
    throw new AppError('INVALID_INPUT', `"${host}" is not an IP address: the web host binds to an address such as 127.0.0.1`);
  }
  if (isLoopbackHost(host)) return { remote: false };
  if (!allowRemote) {
    throw new AppError('PERMISSION_DENIED', `refusing to listen on ${host}: it is not a loopback address and other machines could reach Drover`, {
      hint: 'Pass --allow-remote if you really mean it; prefer an SSH tunnel to 127.0.0.1.',
    });
  }
  return {
    remote: true,
    warning:
      `WARNING: the Drover web host listens on ${host}, reachable from other machines over plain HTTP. ` +
      'Anyone who obtains the token (it crosses the network unencrypted) can act on your hosts through Drover. ' +
      'Prefer binding 127.0.0.1 and an SSH tunnel.',
  };
}
