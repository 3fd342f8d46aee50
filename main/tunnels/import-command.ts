import { isIP } from 'node:net';
import { AppError, isAppError } from '../contract/errors';
import { parseDestination, parseJumpList, parsePort, type SshEndpoint } from '../ssh/ssh-destination';
import { canonicalSshKeyword } from '../ssh/ssh-keywords';
import { parseSshCount, parseSshTime, parseYesNo, splitOptionArgs, splitOptionLine } from '../ssh/ssh-option-values';
import { parseForwardSpec, type ForwardKind, type ForwardSpec } from './forward-spec';
import { isRedirection, splitShellWords, type ShellToken } from '../contract/shell-words';

/**
 * Turns an autossh or ssh command line pasted by a user into a tunnel profile draft. Parses like
 * ssh itself (getopt clusters, options after the destination, first value wins for single-valued
 * options, -L/-R/-D accumulate); anything Drover will not reproduce is reported in `warnings`.
 */

export interface ImportWarning {
  /** The option, flag or word concerned, as written (e.g. `-A`, `ProxyCommand`, `2>&1`). */
  option: string;
  message: string;
}

export interface DraftEndpoint {
  host: string;
  port: number;
  user?: string;
}

export interface TunnelDraft {
  name: string;
  target: DraftEndpoint;
  /** Jump hosts (ProxyJump / -J), first hop first. */
  jumps: DraftEndpoint[];
  forwards: ForwardSpec[];
  keepalive: { intervalSec: number; countMax: number };
  /** As written (`~` not expanded). */
  identityFiles: string[];
  /** Recognized single-valued options by ssh_config keyword (first value wins), e.g. { ExitOnForwardFailure: 'yes' }. */
  options: Record<string, string>;
  warnings: ImportWarning[];
}

/** Keepalive when the command sets none: Drover always keeps every hop alive. */
export const DEFAULT_IMPORT_KEEPALIVE = { intervalSec: 15, countMax: 3 } as const;
/** OpenSSH's ServerAliveCountMax default, used when only ServerAliveInterval is given. */
const OPENSSH_ALIVE_COUNT_MAX = 3;

/** What Drover does with each keyword; anything not listed is 'not-applied'. */
const OK_KEYWORDS = new Set([
  // applied to the profile
  'HostName', 'User', 'Port', 'IdentityFile', 'IdentitiesOnly', 'ProxyJump', 'ServerAliveInterval', 'ServerAliveCountMax',
  'LocalForward', 'RemoteForward', 'DynamicForward', 'GatewayPorts', 'ExitOnForwardFailure', 'ConnectTimeout', 'Ciphers',
  'StrictHostKeyChecking',
  // without effect on a supervised background tunnel
  'BatchMode', 'SessionType', 'RequestTTY', 'ForkAfterAuthentication', 'StdinNull', 'LogLevel', 'LogVerbose', 'EscapeChar',
  'EnableEscapeCommandline', 'VisualHostKey', 'UpdateHostKeys', 'NumberOfPasswordPrompts', 'FingerprintHash',
  'SyslogFacility', 'HashKnownHosts', 'CheckHostIP', 'TCPKeepAlive', 'ConnectionAttempts', 'AddKeysToAgent', 'IPQoS',
  'XAuthLocation', 'ForwardX11Timeout', 'GSSAPIDelegateCredentials', 'NoHostAuthenticationForLocalhost', 'IgnoreUnknown',
]);

/** Features Drover does not have when switched on (their "off" values are harmless). */
const UNSUPPORTED_WHEN_ON: Record<string, (v: string) => boolean> = {
  ProxyCommand: (v) => v.toLowerCase() !== 'none',
  ControlMaster: (v) => !['no', 'false'].includes(v.toLowerCase()),
  ControlPath: (v) => v.toLowerCase() !== 'none',
  ControlPersist: (v) => !['no', 'false'].includes(v.toLowerCase()),
  LocalCommand: () => true,
  PermitLocalCommand: (v) => parseYesNo(v) !== false,
  RemoteCommand: (v) => v.toLowerCase() !== 'none',
  ForwardAgent: (v) => parseYesNo(v) !== false,
  ForwardX11: (v) => parseYesNo(v) !== false,
  ForwardX11Trusted: (v) => parseYesNo(v) !== false,
  Tunnel: (v) => parseYesNo(v) !== false,
  TunnelDevice: () => true,
  SendEnv: () => true,
  SetEnv: () => true,
  PKCS11Provider: (v) => v.toLowerCase() !== 'none',
  SecurityKeyProvider: () => true,
  GSSAPIAuthentication: (v) => parseYesNo(v) !== false,
  HostbasedAuthentication: (v) => parseYesNo(v) !== false,
  EnableSSHKeysign: (v) => parseYesNo(v) !== false,
  VerifyHostKeyDNS: (v) => parseYesNo(v) !== false,
  CanonicalizeHostname: (v) => parseYesNo(v) !== false,
  ClearAllForwardings: (v) => parseYesNo(v) !== false,
  KnownHostsCommand: () => true,
  Include: () => true,
  Match: () => true,
  Host: () => true,
  PermitRemoteOpen: (v) => v.toLowerCase() !== 'any',
  StreamLocalBindUnlink: (v) => parseYesNo(v) !== false,
  StreamLocalBindMask: () => true,
  ProxyUseFdpass: (v) => parseYesNo(v) !== false,
  Tag: () => true,
};

/** Multi-valued keywords (every occurrence counts) handled outside the options record. */
const MULTI = new Set(['IdentityFile', 'LocalForward', 'RemoteForward', 'DynamicForward', 'CertificateFile', 'SendEnv', 'SetEnv']);

/** ssh flags without an argument → the ssh_config setting they stand for. */
const FLAG_OPTIONS: Record<string, [string, string]> = {
  '4': ['AddressFamily', 'inet'],
  '6': ['AddressFamily', 'inet6'],
  A: ['ForwardAgent', 'yes'],
  a: ['ForwardAgent', 'no'],
  C: ['Compression', 'yes'],
  f: ['ForkAfterAuthentication', 'yes'],
  g: ['GatewayPorts', 'yes'],
  K: ['GSSAPIAuthentication', 'yes'],
  k: ['GSSAPIDelegateCredentials', 'no'],
  N: ['SessionType', 'none'],
  n: ['StdinNull', 'yes'],
  q: ['LogLevel', 'QUIET'],
  s: ['SessionType', 'subsystem'],
  T: ['RequestTTY', 'no'],
  t: ['RequestTTY', 'yes'],
  v: ['LogLevel', 'VERBOSE'],
  X: ['ForwardX11', 'yes'],
  x: ['ForwardX11', 'no'],
  Y: ['ForwardX11Trusted', 'yes'],
};

/** ssh flags taking an argument that map straight to a keyword. */
const ARG_OPTIONS: Record<string, string> = {
  b: 'BindAddress',
  B: 'BindInterface',
  c: 'Ciphers',
  D: 'DynamicForward',
  e: 'EscapeChar',
  I: 'PKCS11Provider',
  i: 'IdentityFile',
  J: 'ProxyJump',
  L: 'LocalForward',
  l: 'User',
  m: 'MACs',
  P: 'Tag',
  p: 'Port',
  R: 'RemoteForward',
  S: 'ControlPath',
  w: 'TunnelDevice',
};

/** Other flags of ssh that need an argument (ssh 9 getopt string). */
const OTHER_ARG_FLAGS = new Set(['E', 'F', 'O', 'Q', 'W', 'o']);
const OTHER_FLAGS: Record<string, string> = {
  '1': 'SSH protocol 1 is not supported',
  '2': '',
  y: '',
  G: 'ssh -G only prints the configuration; Drover imports the connection it describes',
  V: 'ssh -V only prints the version',
  M: 'ControlMaster (connection sharing) is not supported',
};

const PREFIX_COMMANDS = new Set(['nohup', 'exec', 'setsid', 'env', 'command']);

interface State {
  warnings: ImportWarning[];
  options: Record<string, string>;
  user?: { value: string; from: string };
  port?: { value: number; from: string };
  hostName?: { value: string; from: string };
  jump?: { value: SshEndpoint[]; from: string };
  identityFiles: string[];
  forwardSpecs: Array<{ kind: ForwardKind; spec: string; from: string }>;
  destination?: SshEndpoint;
}

function warn(s: State, option: string, message: string): void {
  s.warnings.push({ option, message });
}

/** First value wins, as in ssh; a different later value is reported. */
function setFirst<K extends 'user' | 'port' | 'hostName' | 'jump'>(s: State, key: K, value: NonNullable<State[K]>['value'], from: string, label: string): void {
  const current = s[key];
  if (current === undefined) {
    (s as unknown as Record<string, unknown>)[key] = { value, from };
    return;
  }
  if (JSON.stringify(current.value) !== JSON.stringify(value)) {
    warn(s, from, `${label} is already set by ${current.from}; ssh uses the first value, so this one is ignored`);
  }
}

function forwardArg(keyword: string, args: string[]): string {
  // ssh_config form: LocalForward [bind:]port host:hostport (two words, joined with ':' like readconf does)
  return args.length >= 2 && keyword !== 'DynamicForward' ? `${args[0]}:${args[1]}` : args.join(' ');
}

/** Applies one ssh_config-style setting (keyword and its arguments) coming from `-o` or a flag. */
function applySetting(s: State, keyword: string, args: string[], from: string): void {
  const name = canonicalSshKeyword(keyword.toLowerCase());
  if (name === undefined) {
    warn(s, from, `unknown ssh option ${JSON.stringify(keyword)}: ignored`);
    return;
  }
  if (args.length === 0) throw new AppError('INVALID_INPUT', `missing value for ${name} in ${from}`);
  const first = args[0]!;

  switch (name) {
    case 'HostName':
      setFirst(s, 'hostName', first, from, 'HostName');
      return;
    case 'User':
      setFirst(s, 'user', first, from, 'User');
      return;
    case 'Port':
      setFirst(s, 'port', parsePort(first, from), from, 'Port');
      return;
    case 'ProxyJump':
      setFirst(s, 'jump', parseJumpList(first), from, 'ProxyJump');
      return;
    case 'IdentityFile':
      s.identityFiles.push(first);
      return;
    case 'LocalForward':
    case 'RemoteForward':
    case 'DynamicForward':
      s.forwardSpecs.push({ kind: name === 'LocalForward' ? 'local' : name === 'RemoteForward' ? 'remote' : 'dynamic', spec: forwardArg(name, args), from });
      return;
    case 'ServerAliveInterval':
    case 'ConnectTimeout':
      parseSshTime(first, from);
      break;
    case 'ServerAliveCountMax':
      parseSshCount(first, from);
      break;
    case 'StrictHostKeyChecking': {
      const v = first.toLowerCase();
      if (v === 'no' || v === 'off' || v === 'false') {
        warn(s, from, 'Drover never skips host key checks: an unknown host key is recorded (like accept-new), a changed key is still refused');
      }
      break;
    }
    default:
      break;
  }

  if (MULTI.has(name)) {
    warn(s, from, `${name} is not supported by Drover: ignored`);
    return;
  }
  const value = args.join(' ');
  const previous = s.options[name];
  if (previous === undefined) s.options[name] = value;
  else if (previous !== value) warn(s, from, `${name} is already ${previous}; ssh uses the first value, so this one is ignored`);
  const unsupported = UNSUPPORTED_WHEN_ON[name];
  if (unsupported) {
    if (unsupported(first)) warn(s, from, `${name} is not supported by Drover: ignored`);
  } else if (!OK_KEYWORDS.has(name)) {
    warn(s, from, `${name} is recognized but not applied by Drover`);
  }
}

function applyOptionArg(s: State, optarg: string, from: string, next: () => string | undefined): void {
  const split = splitOptionLine(optarg);
  if (split) {
    applySetting(s, split.keyword, splitOptionArgs(split.value), from);
    return;
  }
  const keyword = optarg.trim();
  const known = canonicalSshKeyword(keyword.toLowerCase());
  const value = known ? next() : undefined;
  if (known && value !== undefined) {
    warn(s, `${from} ${value}`, `read as ${known}=${value}; ssh itself wants one argument (-o ${known}=${value})`);
    applySetting(s, keyword, [value], `-o ${known}=${value}`);
    return;
  }
  throw new AppError('INVALID_INPUT', `missing value in ${from}`);
}

function parseAutosshMonitor(s: State, value: string, from: string): void {
  if (!/^[0-9]+(?::[0-9]+)?$/.test(value)) throw new AppError('INVALID_INPUT', `bad autossh monitor port ${JSON.stringify(value)} in ${from}`);
  const [port, echo] = value.split(':') as [string, string | undefined];
  if (Number(port) !== 0) {
    parsePort(port, from);
    if (echo !== undefined) parsePort(echo, from);
    warn(s, from, 'autossh monitoring ports are not used: Drover detects dead connections with SSH keepalives');
  }
}

/** getopt over ssh's arguments (options may follow the destination, as in ssh). */
function parseSshArgs(s: State, args: string[], autossh: boolean): void {
  let i = 0;
  let optionsDone = false;
  while (i < args.length) {
    const arg = args[i]!;
    if (optionsDone || !arg.startsWith('-') || arg === '-') {
      if (s.destination === undefined) {
        // the destination's user and port count where they appear (first value wins, as in ssh)
        const dest = parseDestination(arg);
        s.destination = dest;
        if (dest.user !== undefined) setFirst(s, 'user', dest.user, JSON.stringify(arg), 'User');
        if (dest.port !== undefined) setFirst(s, 'port', dest.port, JSON.stringify(arg), 'Port');
        i++;
        continue;
      }
      warn(s, args.slice(i).join(' '), 'remote command ignored: a tunnel runs no command');
      return;
    }
    if (arg === '--') {
      optionsDone = true;
      i++;
      continue;
    }
    i++;
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j]!;
      const takesArg = c in ARG_OPTIONS || OTHER_ARG_FLAGS.has(c) || (autossh && c === 'M');
      if (takesArg) {
        let value = arg.slice(j + 1);
        let from = `-${c}${value}`;
        if (value === '') {
          if (i >= args.length) throw new AppError('INVALID_INPUT', `option -${c} needs an argument`);
          value = args[i++]!;
          from = `-${c} ${value}`;
        }
        applyArgFlag(s, c, value, from, autossh, () => (i < args.length ? args[i++] : undefined));
        break;
      }
      applyFlag(s, c, autossh);
    }
  }
}

function applyArgFlag(s: State, c: string, value: string, from: string, autossh: boolean, next: () => string | undefined): void {
  if (autossh && c === 'M') return parseAutosshMonitor(s, value, from);
  const keyword = ARG_OPTIONS[c];
  if (keyword === 'ProxyJump' && s.jump !== undefined && s.jump.from.startsWith('-J')) {
    throw new AppError('INVALID_INPUT', `only one -J option is allowed (${from})`);
  }
  if (keyword) return applySetting(s, keyword, [value], from);
  switch (c) {
    case 'o':
      return applyOptionArg(s, value, from, next);
    case 'F':
      return warn(s, from, 'the ssh config file named by -F is not read: use Import hosts to bring in hosts from it');
    case 'E':
      return warn(s, from, 'ssh log file ignored: Drover keeps its own tunnel log');
    case 'W':
      return warn(s, from, 'stdio forwarding (-W) is not supported');
    case 'O':
      return warn(s, from, 'control commands (-O) are not supported');
    case 'Q':
      return warn(s, from, 'ssh -Q only lists algorithms');
  }
}

function applyFlag(s: State, c: string, autossh: boolean): void {
  const setting = FLAG_OPTIONS[c];
  if (setting) return applySetting(s, setting[0], [setting[1]], `-${c}`);
  if (autossh && c === 'V') return warn(s, '-V', 'autossh -V only prints the version');
  if (c in OTHER_FLAGS) {
    const message = OTHER_FLAGS[c]!;
    if (message !== '') warn(s, `-${c}`, message);
    return;
  }
  warn(s, `-${c}`, `unknown ssh option -${c}: ignored`);
}

/** The first simple command of the pasted text, without redirections; what was dropped is reported. */
function firstCommand(tokens: ShellToken[], s: State): string[] {
  const words: string[] = [];
  let i = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'word') {
      for (const e of t.expansions) warn(s, e, `shell expansion ${e} was not performed; the text is used literally`);
      words.push(t.value);
      continue;
    }
    if (isRedirection(t.value)) {
      const target = tokens[i + 1];
      const shown = target?.kind === 'word' ? `${t.value}${target.value}` : t.value;
      if (target?.kind === 'word') i++;
      warn(s, shown, 'redirection ignored');
      continue;
    }
    if (t.value === '\n' && words.length === 0) continue;
    break;
  }
  const rest = tokens.slice(i).filter((t) => t.kind === 'word' || t.value !== '\n');
  if (rest.length === 1 && rest[0]!.kind === 'op' && rest[0]!.value === '&') {
    warn(s, '&', 'running in the background is implied: Drover supervises the tunnel');
  } else if (rest.length > 0) {
    const text = rest.map((t) => t.value).join(' ').trim();
    warn(s, text.length > 60 ? `${text.slice(0, 57)}...` : text, 'only the first command was imported; the rest was ignored');
  }
  return words;
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function suggestName(target: DraftEndpoint, forwards: ForwardSpec[]): string {
  const short = isIP(target.host) ? target.host : target.host.split('.')[0]!;
  const ports = forwards.map((f) => f.bindPort).filter((p) => p > 0);
  if (ports.length === 0) return short;
  return `${short} ${ports.slice(0, 4).join(',')}${ports.length > 4 ? ',…' : ''}`;
}

/**
 * Parses an autossh or ssh command line (paths, env assignments, nohup and the like allowed in
 * front) into a tunnel draft. Throws AppError INVALID_INPUT naming the offending token when there is
 * no destination, a bad port, or a bad forward spec.
 */
export function importTunnelCommand(text: string): TunnelDraft {
  const s: State = { warnings: [], options: {}, identityFiles: [], forwardSpecs: [] };
  const words = firstCommand(splitShellWords(text), s);
  let i = 0;
  let program: 'ssh' | 'autossh' | undefined;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) {
      const name = w.slice(0, w.indexOf('='));
      warn(s, w, name.startsWith('AUTOSSH_') ? `${name} ignored: Drover reconnects with its own policy` : 'environment assignment ignored');
      continue;
    }
    const base = basename(w);
    if (PREFIX_COMMANDS.has(base)) {
      warn(s, w, `${base} ignored: Drover runs and supervises the tunnel itself`);
      continue;
    }
    if (base === 'ssh' || base === 'autossh') {
      program = base;
      i++;
    } else if (words.slice(i + 1).some((x) => basename(x) === 'ssh' || basename(x) === 'autossh')) {
      throw new AppError('INVALID_INPUT', `not an ssh or autossh command: ${JSON.stringify(w)} comes before it`);
    }
    // otherwise the text is ssh's arguments without the program name
    break;
  }
  // without a program name, read the arguments as autossh's (a superset: -M takes a port)
  parseSshArgs(s, words.slice(i), program !== 'ssh');

  if (s.destination === undefined) throw new AppError('INVALID_INPUT', 'no destination host in the command (expected [user@]host)');
  const dest = s.destination;

  let host = dest.host;
  if (s.hostName) host = s.hostName.value.replace(/%(.)/g, (m, t: string) => (t === 'h' ? dest.host : t === '%' ? '%' : m));
  if (host.includes('%')) throw new AppError('INVALID_INPUT', `unsupported token in HostName ${JSON.stringify(s.hostName?.value)}`);
  // host names are case-insensitive; ssh lower-cases them before connecting and in known_hosts
  const target: DraftEndpoint = { host: host.toLowerCase(), port: s.port?.value ?? 22 };
  if (s.user) target.user = s.user.value;

  const gatewayPorts = parseYesNo(s.options.GatewayPorts ?? 'no') === true;
  const forwards: ForwardSpec[] = [];
  for (const f of s.forwardSpecs) {
    try {
      forwards.push(parseForwardSpec(f.kind, f.spec, { gatewayPorts }));
    } catch (err) {
      if (isAppError(err, 'UNSUPPORTED')) warn(s, f.from, err.message);
      else throw err;
    }
  }
  if (forwards.length === 0) warn(s, '-L/-R/-D', 'the command forwards no ports');

  const intervalText = s.options.ServerAliveInterval;
  const countText = s.options.ServerAliveCountMax;
  const keepalive =
    intervalText === undefined
      ? { intervalSec: DEFAULT_IMPORT_KEEPALIVE.intervalSec, countMax: countText === undefined ? DEFAULT_IMPORT_KEEPALIVE.countMax : parseSshCount(countText, 'ServerAliveCountMax') }
      : { intervalSec: parseSshTime(intervalText, 'ServerAliveInterval'), countMax: countText === undefined ? OPENSSH_ALIVE_COUNT_MAX : parseSshCount(countText, 'ServerAliveCountMax') };
  if (keepalive.intervalSec === 0) warn(s, 'ServerAliveInterval=0', 'keepalive is off: a dead connection is only noticed when the OS gives up');

  const jumps: DraftEndpoint[] = (s.jump?.value ?? []).map((j) => ({ ...j, host: j.host.toLowerCase(), port: j.port ?? 22 }));
  return {
    name: suggestName(target, forwards),
    target,
    jumps,
    forwards,
    keepalive,
    identityFiles: s.identityFiles,
    options: s.options,
    warnings: s.warnings,
  };
}
