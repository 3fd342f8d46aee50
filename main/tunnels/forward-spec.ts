import { AppError } from '../contract/errors';
import { isLoopbackAddress } from '../contract/net-address';
import { checkHost, parsePort } from '../ssh/ssh-destination';

/**
 * Port forwarding specs in OpenSSH's -L / -R / -D syntax (readconf.c parse_forward):
 *   -L [bind:]port:host:hostport      local: listen here, connect from the server
 *   -R [bind:]port:host:hostport      remote: listen on the server, connect from here
 *   -R [bind:]port                    remote dynamic: a SOCKS proxy on the server's side
 *   -D [bind:]port                    dynamic: a SOCKS proxy here
 * Fields may be [bracketed] (IPv6). Unix socket forwards are refused as UNSUPPORTED.
 */

export type ForwardKind = 'local' | 'remote' | 'dynamic';

export interface ForwardSpec {
  kind: ForwardKind;
  /**
   * Where the listener binds: an address or name as given, `localhost` when none was given (ssh's
   * default), `*` for all interfaces (an empty or `*` bind, or no bind with GatewayPorts/-g).
   */
  bindAddress: string;
  /** 0 only for remote forwards (the server picks a port). */
  bindPort: number;
  /** Absent for dynamic (SOCKS) forwards, local or remote. */
  destHost?: string;
  destPort?: number;
  /** The listener is reachable from other machines (not a loopback address). */
  exposesLan: boolean;
}

export const ALL_INTERFACES = '*';

interface Field {
  value: string;
  isPath: boolean;
}

/** Splits a spec into ':'-separated fields as parse_fwd_field does: [brackets] literal, backslash escapes. */
function splitFields(spec: string, what: string): Field[] {
  const fields: Field[] = [];
  let i = 0;
  const s = spec.replace(/^\s+/, '');
  if (s === '') throw new AppError('INVALID_INPUT', `empty ${what}`);
  while (i <= s.length) {
    if (s[i] === '[') {
      const close = s.indexOf(']', i + 1);
      if (close < 0) throw new AppError('INVALID_INPUT', `missing ']' in ${what}`);
      const value = s.slice(i + 1, close);
      const after = s[close + 1];
      if (after !== undefined && after !== ':') throw new AppError('INVALID_INPUT', `unexpected ${JSON.stringify(after)} after ']' in ${what}`);
      fields.push({ value, isPath: value.includes('/') });
      i = close + 2;
      if (after === undefined || i >= s.length) break;
      continue;
    }
    let value = '';
    let isPath = false;
    let ended = true;
    for (; i < s.length; i++) {
      const c = s[i]!;
      if (c === '\\') {
        i++;
        if (i >= s.length) throw new AppError('INVALID_INPUT', `trailing backslash in ${what}`);
        value += s[i];
        continue;
      }
      if (c === ':') {
        // as in ssh, a ':' at the very end opens no further (empty) field
        ended = i + 1 >= s.length;
        i++;
        break;
      }
      if (c === '/') isPath = true;
      value += c;
    }
    fields.push({ value, isPath });
    if (ended) break;
  }
  if (fields.length > 4) throw new AppError('INVALID_INPUT', `too many ':' fields in ${what} (put IPv6 addresses in [brackets])`);
  return fields;
}

function bindOf(field: Field | undefined, kind: ForwardKind, gatewayPorts: boolean, what: string): string {
  if (field === undefined) return kind !== 'remote' && gatewayPorts ? ALL_INTERFACES : 'localhost';
  if (field.value === '' || field.value === '*') return ALL_INTERFACES;
  return checkHost(field.value, what);
}

/**
 * Parses one -L / -R / -D argument. `gatewayPorts` (ssh -g) makes local and dynamic forwards
 * without a bind address listen on all interfaces. Throws INVALID_INPUT naming the spec when it is
 * malformed, UNSUPPORTED for Unix socket forwards.
 */
export function parseForwardSpec(kind: ForwardKind, spec: string, opts: { gatewayPorts?: boolean } = {}): ForwardSpec {
  const what = `${kind} forward ${JSON.stringify(spec)} (${forwardFlag(kind)})`;
  const fields = splitFields(spec, what);
  if (fields.some((f) => f.isPath)) throw new AppError('UNSUPPORTED', `Unix socket forwards are not supported: ${what}`);
  const gatewayPorts = opts.gatewayPorts ?? false;
  const allowZero = kind === 'remote';
  const n = fields.length;

  const done = (bind: Field | undefined, port: Field, dest?: [Field, Field]): ForwardSpec => {
    const bindAddress = bindOf(bind, kind, gatewayPorts, what);
    const f: ForwardSpec = { kind, bindAddress, bindPort: parsePort(port.value, what, { allowZero }), exposesLan: !isLoopbackAddress(bindAddress) };
    if (dest) {
      f.destHost = checkHost(dest[0].value, what);
      f.destPort = parsePort(dest[1].value, what);
    }
    return f;
  };

  if (kind === 'dynamic' || (kind === 'remote' && n <= 2)) {
    if (n === 1) return done(undefined, fields[0]!);
    if (n === 2) return done(fields[0], fields[1]!);
    throw new AppError('INVALID_INPUT', `bad ${what}: expected [bind_address:]port`);
  }
  if (n === 3) return done(undefined, fields[0]!, [fields[1]!, fields[2]!]);
  if (n === 4) return done(fields[0], fields[1]!, [fields[2]!, fields[3]!]);
  throw new AppError('INVALID_INPUT', `bad ${what}: expected [bind_address:]port:host:hostport`);
}

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The spec back in -L / -R / -D argument syntax (bind address always written). */
export function formatForwardSpec(f: ForwardSpec): string {
  const listen = `${f.bindAddress === ALL_INTERFACES ? '*' : bracket(f.bindAddress)}:${f.bindPort}`;
  return f.destHost === undefined ? listen : `${listen}:${bracket(f.destHost)}:${f.destPort}`;
}

/** `-L spec` / `-R spec` / `-D spec`, for display. */
export function forwardFlag(kind: ForwardKind): '-L' | '-R' | '-D' {
  return kind === 'local' ? '-L' : kind === 'remote' ? '-R' : '-D';
}
