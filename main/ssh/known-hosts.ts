import { createHmac, randomBytes } from 'node:crypto';
import { AppError } from '../contract/errors';
import { fingerprintSha256, keyTypeOfAlgorithm, parsePublicKeyBlob, SSH_PUBLIC_KEY_TYPES } from './ssh-public-key';
import { matchPatternList } from './wildcard';

/**
 * OpenSSH known_hosts files (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): parsing, host lookup and the
 * host key decision, with the semantics of OpenSSH's hostfile.c. Pure: callers read the files.
 */

export { fingerprintSha256 } from './ssh-public-key';

export interface KnownHostsSource {
  /** Shown in results and issues; not read here. */
  path: string;
  content: string;
}

export type KnownHostsHosts =
  /** Comma-separated patterns, each maybe `!`-negated, with `*` and `?`, or `[host]:port`. */
  | { kind: 'patterns'; patterns: string[] }
  /** `|1|salt|hmac`: HMAC-SHA1 over the host name, keyed with the salt. */
  | { kind: 'hashed'; salt: Buffer; hash: Buffer };

export interface KnownHostsEntry {
  source: string;
  /** 1-based line number. */
  line: number;
  marker: 'revoked' | 'cert-authority' | undefined;
  hosts: KnownHostsHosts;
  keyType: string;
  key: Buffer;
  comment: string;
}

export interface KnownHostsIssue {
  source: string;
  line: number;
  message: string;
}

export interface ParsedKnownHosts {
  path: string;
  entries: KnownHostsEntry[];
  /** Lines that could not be used; OpenSSH skips them too, so they are not fatal. */
  issues: KnownHostsIssue[];
}

export interface KnownKeyRef {
  type: string;
  fingerprintSha256: string;
  source: string;
  line: number;
}

export interface HostKeyQuery {
  host: string;
  port: number;
  /** The key (or signature) algorithm negotiated, e.g. 'ssh-ed25519' or 'rsa-sha2-512'; checked against the blob. */
  keyType?: string;
  /** The host key blob in SSH wire format. */
  key: Buffer;
}

interface PresentedKey {
  /** Type and fingerprint of the key the server presented. */
  keyType: string;
  fingerprintSha256: string;
}

export type HostKeyCheckResult =
  | (PresentedKey & { status: 'match'; source: string; line: number })
  | (PresentedKey & { status: 'revoked'; source: string; line: number })
  | (PresentedKey & { status: 'changed'; expected: KnownKeyRef[] })
  | (PresentedKey & { status: 'unknown' });

export type KnownHostsInput = KnownHostsSource | ParsedKnownHosts;

const HASH_MAGIC = '|1|';
const SHA1_BYTES = 20;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Splits off the first run of non-blank characters (space and tab are the only blanks in known_hosts). */
function nextField(s: string): [field: string, rest: string] {
  const m = /^[^ \t]*/.exec(s)![0];
  return [m, s.slice(m.length).replace(/^[ \t]+/, '')];
}

function decodeBase64(s: string): Buffer | undefined {
  if (!BASE64.test(s)) return undefined;
  return Buffer.from(s, 'base64');
}

function parseHashedHosts(field: string): KnownHostsHosts | string {
  if (!field.startsWith(HASH_MAGIC)) return 'unsupported host hash format (expected |1|salt|hash)';
  const parts = field.slice(HASH_MAGIC.length).split('|');
  if (parts.length !== 2) return 'malformed hashed host (expected |1|salt|hash)';
  const salt = decodeBase64(parts[0]!);
  const hash = decodeBase64(parts[1]!);
  if (!salt || salt.length !== SHA1_BYTES || !hash || hash.length !== SHA1_BYTES) return 'malformed hashed host (salt and hash must be 20 bytes of base64)';
  return { kind: 'hashed', salt, hash };
}

/** Parses one known_hosts line; undefined for blank and comment lines, a string for a bad line. */
function parseLine(raw: string, source: string, line: number): KnownHostsEntry | string | undefined {
  let s = raw.replace(/\r$/, '').replace(/^[ \t]+/, '');
  if (s === '' || s.startsWith('#')) return undefined;

  let marker: KnownHostsEntry['marker'];
  if (s.startsWith('@')) {
    const [word, rest] = nextField(s);
    if (word === '@revoked') marker = 'revoked';
    else if (word === '@cert-authority') marker = 'cert-authority';
    else return `unknown marker ${JSON.stringify(word)}`;
    s = rest;
    if (s.startsWith('@')) return 'only one marker is allowed per line';
  }

  const [hostField, afterHosts] = nextField(s);
  if (hostField === '') return 'missing host field';
  if (afterHosts === '' || afterHosts.startsWith('#')) return 'truncated before the key type';
  const [keyType, afterType] = nextField(afterHosts);
  if (/^[0-9]+$/.test(keyType)) return 'SSH-1 RSA keys are not supported';
  if (afterType === '' || afterType.startsWith('#')) return 'truncated after the key type';
  if (!SSH_PUBLIC_KEY_TYPES.includes(keyType)) return `unsupported key type ${JSON.stringify(keyType)}`;
  const [keyText, comment] = nextField(afterType);
  const key = decodeBase64(keyText);
  if (!key) return 'key is not valid base64';
  let blobType: string;
  try {
    blobType = parsePublicKeyBlob(key).type;
  } catch (err) {
    return `bad ${keyType} key: ${(err as Error).message}`;
  }
  if (blobType !== keyType) return `key type ${keyType} does not match the key (${blobType})`;

  let hosts: KnownHostsHosts;
  if (hostField.startsWith('|')) {
    const hashed = parseHashedHosts(hostField);
    if (typeof hashed === 'string') return hashed;
    hosts = hashed;
  } else {
    hosts = { kind: 'patterns', patterns: hostField.split(',') };
  }
  return { source, line, marker, hosts, keyType, key, comment };
}

/** Parses a known_hosts file. Bad lines become issues (with line numbers), never exceptions. */
export function parseKnownHosts(content: string, path: string): ParsedKnownHosts {
  const entries: KnownHostsEntry[] = [];
  const issues: KnownHostsIssue[] = [];
  const lines = content.split('\n');
  lines.forEach((raw, i) => {
    const r = parseLine(raw, path, i + 1);
    if (typeof r === 'string') issues.push({ source: path, line: i + 1, message: r });
    else if (r) entries.push(r);
  });
  return { path, entries, issues };
}

function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h === '' || /[\s,*?!|#@[\]]/.test(h)) throw new AppError('INVALID_INPUT', `invalid host name for known_hosts: ${JSON.stringify(host)}`);
  return h;
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new AppError('INVALID_INPUT', `invalid port ${port}`);
}

/** The name OpenSSH looks up for host:port: `host` for port 22, else `[host]:port`; lower case. */
export function knownHostsName(host: string, port: number): string {
  checkPort(port);
  const h = normalizeHost(host);
  return port === 22 ? h : `[${h}]:${port}`;
}

/** `|1|salt|hash` for a name (as from knownHostsName), with a fresh random salt unless one is given. */
export function hashKnownHostsName(name: string, salt: Buffer = randomBytes(SHA1_BYTES)): string {
  if (salt.length !== SHA1_BYTES) throw new AppError('INVALID_INPUT', `known_hosts salt must be ${SHA1_BYTES} bytes`);
  const hash = createHmac('sha1', salt).update(name).digest('base64');
  return `${HASH_MAGIC}${salt.toString('base64')}|${hash}`;
}

function hostsMatch(hosts: KnownHostsHosts, name: string): boolean {
  if (hosts.kind === 'hashed') return createHmac('sha1', hosts.salt).update(name).digest().equals(hosts.hash);
  return matchPatternList(name, hosts.patterns.map((p) => p.toLowerCase())) === 'match';
}

function toParsed(input: KnownHostsInput): ParsedKnownHosts {
  return 'entries' in input ? input : parseKnownHosts(input.content, input.path);
}

/** Every usable line (any marker) whose host field matches host:port, in source order. */
export function findHostEntries(host: string, port: number, sources: readonly KnownHostsInput[]): KnownHostsEntry[] {
  const name = knownHostsName(host, port);
  return sources.flatMap((s) => toParsed(s).entries.filter((e) => hostsMatch(e.hosts, name)));
}

/**
 * Key types recorded (unmarked) for host:port, in file order without repeats: connect with these
 * host key algorithms first, as OpenSSH does, so that a known host is not reported as changed only
 * because the server offered another of its keys.
 */
export function knownHostKeyTypes(host: string, port: number, sources: readonly KnownHostsInput[]): string[] {
  const types = findHostEntries(host, port, sources)
    .filter((e) => e.marker === undefined)
    .map((e) => e.keyType);
  return [...new Set(types)];
}

/**
 * The host key decision, as OpenSSH makes it over all its known_hosts files at once:
 * - `revoked` when a matching `@revoked` line lists this key (wins over everything);
 * - `match` when a matching unmarked line lists this key;
 * - `changed` when matching unmarked lines exist but none lists this key, whatever their key
 *   types (OpenSSH warns "REMOTE HOST IDENTIFICATION HAS CHANGED" then too);
 * - `unknown` otherwise. `@cert-authority` lines play no part for plain host keys.
 */
export function checkHostKey(query: HostKeyQuery, sources: readonly KnownHostsInput[]): HostKeyCheckResult {
  let blobType: string;
  try {
    blobType = parsePublicKeyBlob(query.key).type;
  } catch (err) {
    throw new AppError('INVALID_INPUT', `invalid host key: ${(err as Error).message}`);
  }
  if (query.keyType !== undefined && keyTypeOfAlgorithm(query.keyType) !== blobType) {
    throw new AppError('INVALID_INPUT', `host key algorithm ${query.keyType} does not match the key (${blobType})`);
  }
  const presented: PresentedKey = { keyType: blobType, fingerprintSha256: fingerprintSha256(query.key) };
  const entries = findHostEntries(query.host, query.port, sources);

  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(query.key));
  if (revoked) return { status: 'revoked', ...presented, source: revoked.source, line: revoked.line };

  const plain = entries.filter((e) => e.marker === undefined);
  const same = plain.find((e) => e.key.equals(query.key));
  if (same) return { status: 'match', ...presented, source: same.source, line: same.line };

  if (plain.length > 0) {
    const expected = plain.map((e) => ({ type: e.keyType, fingerprintSha256: fingerprintSha256(e.key), source: e.source, line: e.line }));
    return { status: 'changed', ...presented, expected };
  }
  return { status: 'unknown', ...presented };
}

/**
 * One known_hosts line (without the newline) recording an approved key for host:port, hashed on
 * request (as HashKnownHosts does). `type` may be a signature algorithm such as rsa-sha2-512.
 */
export function formatKnownHostsLine(host: string, port: number, type: string, blob: Buffer, opts: { hash?: boolean; salt?: Buffer } = {}): string {
  const name = knownHostsName(host, port);
  let blobType: string;
  try {
    blobType = parsePublicKeyBlob(blob).type;
  } catch (err) {
    throw new AppError('INVALID_INPUT', `invalid host key: ${(err as Error).message}`);
  }
  const keyType = keyTypeOfAlgorithm(type);
  if (keyType !== blobType) throw new AppError('INVALID_INPUT', `key type ${type} does not match the key (${blobType})`);
  const hostField = opts.hash ? hashKnownHostsName(name, opts.salt) : name;
  return `${hostField} ${keyType} ${blob.toString('base64')}`;
}
