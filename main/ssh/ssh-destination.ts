import { isIPv6 } from 'node:net';
import { AppError } from '../contract/errors';

/**
 * OpenSSH destinations and jump hosts: `[user@]host`, `ssh://[user@]host[:port]`, and ProxyJump
 * lists `[user@]host[:port],...` (IPv6 in brackets). Shared by the command importer and ssh_config.
 */

export interface SshEndpoint {
  host: string;
  /** Undefined when not given (the caller's default applies, usually 22 or the config's Port). */
  port?: number;
  user?: string;
}

/** Characters never valid in a host name or address (OpenSSH refuses shell metacharacters too). */
const BAD_HOST = /[\s'"`$\\;&<>|(){}[\]@,/*?!#]/;

function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function invalid(message: string): AppError {
  return new AppError('INVALID_INPUT', message);
}

/** A TCP port, 1-65535 (0 too when allowZero); decimal only. `what` names the token in the error. */
export function parsePort(text: string, what: string, opts: { allowZero?: boolean } = {}): number {
  if (!/^[0-9]{1,5}$/.test(text)) throw invalid(`bad port ${JSON.stringify(text)} in ${what}`);
  const port = Number(text);
  if (port > 65535 || (port === 0 && !opts.allowZero)) throw invalid(`bad port ${JSON.stringify(text)} in ${what}: out of range`);
  return port;
}

/** Validates a host name or address (brackets around IPv6 removed) and returns it. */
export function checkHost(host: string, what: string): string {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h === '') throw invalid(`missing host in ${what}`);
  if (h.startsWith('-')) throw invalid(`bad host ${JSON.stringify(h)} in ${what}: starts with '-'`);
  if (BAD_HOST.test(h) || hasControlChar(h)) throw invalid(`bad host ${JSON.stringify(h)} in ${what}`);
  if (h.includes(':') && !isIPv6(h.replace(/%[^%]+$/, ''))) {
    throw invalid(`bad host ${JSON.stringify(host)} in ${what}: a ':' that is not part of an IPv6 address`);
  }
  return h;
}

function decodePercent(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw invalid(`bad percent-encoding in ${what}`);
  }
}

/** Splits `host[:port]` with `[v6]:port` support. */
function splitHostPort(text: string, what: string): { host: string; port?: number } {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw invalid(`missing ']' in ${what}`);
    const host = checkHost(text.slice(1, close), what);
    const rest = text.slice(close + 1);
    if (rest === '') return { host };
    if (!rest.startsWith(':')) throw invalid(`unexpected ${JSON.stringify(rest)} after ']' in ${what}`);
    return { host, port: parsePort(rest.slice(1), what) };
  }
  const colon = text.indexOf(':');
  if (colon < 0) return { host: checkHost(text, what) };
  if (text.indexOf(':', colon + 1) >= 0) throw invalid(`bad host ${JSON.stringify(text)} in ${what}: put IPv6 addresses in brackets`);
  return { host: checkHost(text.slice(0, colon), what), port: parsePort(text.slice(colon + 1), what) };
}

function splitUser(text: string, what: string): { user?: string; rest: string } {
  const at = text.lastIndexOf('@');
  if (at < 0) return { rest: text };
  const user = text.slice(0, at);
  if (user === '') throw invalid(`empty user name in ${what}`);
  if (/\s/.test(user) || hasControlChar(user)) throw invalid(`bad user name ${JSON.stringify(user)} in ${what}`);
  return { user, rest: text.slice(at + 1) };
}

/** `ssh://[user[;params]@]host[:port][/]`, or undefined when text is not an ssh URI. */
export function parseSshUri(text: string): SshEndpoint | undefined {
  if (!/^ssh:\/\//i.test(text)) return undefined;
  const what = JSON.stringify(text);
  let body = text.slice('ssh://'.length);
  if (body.endsWith('/')) body = body.slice(0, -1);
  if (body.includes('/')) throw invalid(`ssh URI ${what} may not have a path`);
  const { user, rest } = splitUser(body, what);
  const endpoint: SshEndpoint = splitHostPort(rest, what);
  if (user !== undefined) endpoint.user = decodePercent(user.split(';')[0]!, what);
  if (endpoint.user === '') throw invalid(`empty user name in ${what}`);
  return endpoint;
}

/**
 * The destination argument of ssh: `[user@]host` or an ssh URI. As in ssh, a plain destination
 * carries no port (`host:2222` is refused with a hint to use -p).
 */
export function parseDestination(text: string): SshEndpoint {
  const uri = parseSshUri(text);
  if (uri) return uri;
  const what = `destination ${JSON.stringify(text)}`;
  const { user, rest } = splitUser(text, what);
  if (!rest.startsWith('[') && rest.includes(':') && !isIPv6(rest)) {
    throw invalid(`bad ${what}: a port cannot follow the host here (use -p PORT or ssh://host:port)`);
  }
  const endpoint: SshEndpoint = { host: checkHost(rest, what) };
  if (user !== undefined) endpoint.user = user;
  return endpoint;
}

/** One ProxyJump hop: `[user@]host[:port]` or an ssh URI. */
export function parseJumpHost(text: string): SshEndpoint {
  const uri = parseSshUri(text);
  if (uri) return uri;
  const what = `jump host ${JSON.stringify(text)}`;
  const { user, rest } = splitUser(text, what);
  const endpoint: SshEndpoint = splitHostPort(rest, what);
  if (user !== undefined) endpoint.user = user;
  return endpoint;
}

/** A ProxyJump value: comma-separated hops, first hop first; `none` means no jump. */
export function parseJumpList(text: string): SshEndpoint[] {
  const value = text.trim();
  if (value.toLowerCase() === 'none') return [];
  if (value === '') throw invalid('empty jump host list');
  return value.split(',').map((hop) => parseJumpHost(hop.trim()));
}

/** Formats an endpoint back as `[user@]host[:port]` (IPv6 in brackets when a port follows). */
export function formatEndpoint(e: SshEndpoint): string {
  const host = e.host.includes(':') && e.port !== undefined ? `[${e.host}]` : e.host;
  return `${e.user !== undefined ? `${e.user}@` : ''}${host}${e.port !== undefined ? `:${e.port}` : ''}`;
}
