import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { isAppError } from '../contract/errors';
import { parseJumpList, parsePort, type SshEndpoint } from './ssh-destination';
import { canonicalSshKeyword } from './ssh-keywords';
import { parseSshCount, parseSshTime, parseYesNo, splitOptionArgs, splitOptionLine } from './ssh-option-values';
import { hasWildcard, matchPatternList, matchWildcard } from './wildcard';

/**
 * OpenSSH client configuration (ssh_config(5)): parse ~/.ssh/config with its Includes, resolve a
 * Host alias with OpenSSH's rules (blocks apply in file order, the first value obtained for a
 * keyword wins, IdentityFile and forwards accumulate), and list the aliases to offer for import.
 * `Match` is not evaluated (only `Match all`): its blocks are skipped and reported.
 */

/** File access for Include; synchronous because configs are small and read once per import. */
export interface SshConfigReader {
  /** The file's text, or undefined when it does not exist or is not a file. */
  readFile(path: string): string | undefined;
  /** Existing paths matching an absolute glob pattern (`*`, `?` in any component), sorted. */
  glob(pattern: string): string[];
}

export interface SshConfigWarning {
  source: string;
  line: number;
  message: string;
}

type Directive =
  | { kind: 'host'; patterns: string[]; source: string; line: number }
  | { kind: 'match'; all: boolean; source: string; line: number }
  | { kind: 'include'; files: ParsedConfigFile[]; source: string; line: number }
  | { kind: 'option'; keyword: string; args: string[]; source: string; line: number };

interface ParsedConfigFile {
  path: string;
  directives: Directive[];
}

export interface SshConfig {
  path: string;
  directives: Directive[];
  /** Problems found while parsing (unknown keywords, bad quotes, unreadable includes). */
  warnings: SshConfigWarning[];
}

export interface SshConfigParseOptions {
  /** The config file's path, for messages and as the root of the include tree. */
  path: string;
  /** The local user's home: `~` and relative Include paths (relative to ~/.ssh) use it. */
  homeDir: string;
  /** Needed to follow Include; without it Include lines are reported and skipped. */
  reader?: SshConfigReader;
}

export interface SshLocalEnv {
  homeDir: string;
  /** Local user name: the default remote user and %u. */
  localUser: string;
  /** Local host name for %l (full) and %L (first label). */
  localHostName?: string;
  /** Local uid for %i. */
  uid?: number;
}

export interface ResolvedSshHost {
  /** The name looked up (ssh's %n). */
  alias: string;
  /** HostName with %h expanded, lower case; the alias when none is set. */
  hostName: string;
  user: string;
  port: number;
  /** IdentityFile values with ~ and %-tokens expanded; empty means ssh's default key files. */
  identityFiles: string[];
  /** The ProxyJump value as written (undefined when unset or `none`), and its hops. */
  proxyJump?: string;
  jumps: SshEndpoint[];
  /** A ProxyCommand that took precedence over ProxyJump (Drover cannot run it). */
  proxyCommand?: string;
  /** Forwards in -L / -R / -D argument syntax (`[bind:]port:host:hostport`); parse with tunnels/forward-spec. */
  localForwards: string[];
  remoteForwards: string[];
  dynamicForwards: string[];
  serverAliveInterval?: number;
  serverAliveCountMax?: number;
  /** Every other keyword that applied, by canonical name (first value wins), with its arguments. */
  options: Record<string, string[]>;
  warnings: SshConfigWarning[];
}

const MAX_INCLUDE_DEPTH = 16;
const MULTI_VALUED = new Set(['IdentityFile', 'CertificateFile', 'LocalForward', 'RemoteForward', 'DynamicForward', 'SendEnv', 'SetEnv']);

function expandTilde(path: string, homeDir: string): string {
  if (path === '~') return homeDir;
  if (path.startsWith('~/')) return posix.join(homeDir, path.slice(2));
  return path;
}

/** Parses config text; Include files are read through opts.reader and parsed in place. */
export function parseSshConfig(text: string, opts: SshConfigParseOptions): SshConfig {
  const warnings: SshConfigWarning[] = [];
  const ignoreUnknown: string[] = [];

  const parseFile = (content: string, source: string, depth: number): Directive[] => {
    const directives: Directive[] = [];
    content.split('\n').forEach((raw, index) => {
      const line = index + 1;
      const warn = (message: string) => warnings.push({ source, line, message });
      const text = raw.replace(/[\s\f]+$/, '').replace(/^\s+/, '');
      if (text === '' || text.startsWith('#')) return;
      const split = splitOptionLine(text);
      if (!split) {
        warn(`no argument after keyword ${JSON.stringify(text)}`);
        return;
      }
      let args: string[];
      try {
        args = splitOptionArgs(split.value);
      } catch {
        warn('invalid quotes');
        return;
      }
      if (args.length === 0) {
        warn(`no argument after keyword ${JSON.stringify(split.keyword)}`);
        return;
      }
      const keyword = canonicalSshKeyword(split.keyword);
      if (keyword === undefined) {
        if (matchPatternList(split.keyword.toLowerCase(), ignoreUnknown) !== 'match') warn(`unknown keyword ${JSON.stringify(split.keyword)}`);
        return;
      }
      switch (keyword) {
        case 'Host':
          directives.push({ kind: 'host', patterns: args, source, line });
          return;
        case 'Match': {
          const all = args.length === 1 && args[0]!.toLowerCase() === 'all';
          if (!all) warn(`Match blocks are not supported: the settings under "Match ${args.join(' ')}" are not applied`);
          directives.push({ kind: 'match', all, source, line });
          return;
        }
        case 'Include': {
          const files: ParsedConfigFile[] = [];
          if (!opts.reader) warn('Include is not followed here');
          else if (depth >= MAX_INCLUDE_DEPTH) warn(`Include nested more than ${MAX_INCLUDE_DEPTH} deep: skipped`);
          else {
            for (const arg of args) {
              let pattern = expandTilde(arg, opts.homeDir);
              if (!pattern.startsWith('/')) pattern = posix.join(opts.homeDir, '.ssh', pattern);
              const paths = hasWildcard(pattern) ? opts.reader.glob(pattern) : [pattern];
              for (const p of paths) {
                const content = opts.reader.readFile(p);
                if (content === undefined) continue; // like ssh: an include that matches nothing is no error
                files.push({ path: p, directives: parseFile(content, p, depth + 1) });
              }
            }
          }
          directives.push({ kind: 'include', files, source, line });
          return;
        }
        case 'IgnoreUnknown':
          ignoreUnknown.push(...args.flatMap((a) => a.toLowerCase().split(',')));
          break;
      }
      directives.push({ kind: 'option', keyword, args, source, line });
    });
    return directives;
  };

  const directives = parseFile(text, opts.path, 0);
  return { path: opts.path, directives, warnings };
}

function hostBlockApplies(patterns: string[], alias: string): boolean {
  // OpenSSH matches each Host argument separately, case-sensitively; a negated match vetoes the block
  let positive = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    if (matchWildcard(alias, negated ? raw.slice(1) : raw)) {
      if (negated) return false;
      positive = true;
    }
  }
  return positive;
}

/** Collects the first value of every keyword that applies to alias (IdentityFile etc. accumulate). */
function collect(config: SshConfig, alias: string): Map<string, Array<{ args: string[]; source: string; line: number }>> {
  const values = new Map<string, Array<{ args: string[]; source: string; line: number }>>();
  const walk = (directives: Directive[], activeAtStart: boolean, neverMatch: boolean): void => {
    let active = activeAtStart;
    for (const d of directives) {
      switch (d.kind) {
        case 'host':
          active = !neverMatch && hostBlockApplies(d.patterns, alias);
          break;
        case 'match':
          active = !neverMatch && d.all;
          break;
        case 'include': {
          const before = active;
          for (const f of d.files) walk(f.directives, active, neverMatch || !active);
          active = before;
          break;
        }
        case 'option': {
          if (!active) break;
          const list = values.get(d.keyword) ?? [];
          if (list.length === 0 || MULTI_VALUED.has(d.keyword)) list.push({ args: d.args, source: d.source, line: d.line });
          values.set(d.keyword, list);
          break;
        }
      }
    }
  };
  walk(config.directives, true, false);
  return values;
}

/** Expands %-tokens (ssh_config TOKENS) in a value; unknown tokens are left as written and reported. */
function expandTokens(value: string, tokens: Record<string, string | undefined>, report: (message: string) => void): string {
  return value.replace(/%(.)/g, (m, t: string) => {
    if (t === '%') return '%';
    const v = tokens[t];
    if (v === undefined) {
      report(`token ${m} is not supported here and was left as is`);
      return m;
    }
    return v;
  });
}

/**
 * Resolves a host alias as `ssh <alias>` would (without canonicalization or Match). Unusable
 * values (a bad Port, a bad ProxyJump) are reported in `warnings` and left out.
 */
export function resolveSshHost(config: SshConfig, alias: string, env: SshLocalEnv): ResolvedSshHost {
  const values = collect(config, alias);
  const warnings: SshConfigWarning[] = [];
  const first = (k: string) => values.get(k)?.[0];
  const warnAt = (entry: { source: string; line: number } | undefined, message: string) =>
    warnings.push({ source: entry?.source ?? config.path, line: entry?.line ?? 0, message });

  const hostNameEntry = first('HostName');
  const hostName = (hostNameEntry ? expandTokens(hostNameEntry.args[0]!, { h: alias }, (m) => warnAt(hostNameEntry, m)) : alias).toLowerCase();

  let port = 22;
  const portEntry = first('Port');
  if (portEntry) {
    try {
      port = parsePort(portEntry.args[0]!, `Port ${portEntry.args[0]}`);
    } catch (err) {
      warnAt(portEntry, `${(err as Error).message}; using 22`);
    }
  }
  const user = first('User')?.args[0] ?? env.localUser;

  const result: ResolvedSshHost = {
    alias,
    hostName,
    user,
    port,
    identityFiles: [],
    jumps: [],
    localForwards: [],
    remoteForwards: [],
    dynamicForwards: [],
    options: {},
    warnings,
  };

  // ProxyJump and ProxyCommand compete: whichever came first wins
  const jumpEntry = first('ProxyJump');
  const commandEntry = first('ProxyCommand');
  const jumpWins = jumpEntry !== undefined && (commandEntry === undefined || before(jumpEntry, commandEntry, config));
  if (jumpWins && jumpEntry.args[0]!.toLowerCase() !== 'none') {
    try {
      result.jumps = parseJumpList(jumpEntry.args[0]!);
      result.proxyJump = jumpEntry.args[0]!;
    } catch (err) {
      if (!isAppError(err)) throw err;
      warnAt(jumpEntry, `${err.message}; ProxyJump ignored`);
    }
  } else if (!jumpWins && commandEntry && commandEntry.args[0]!.toLowerCase() !== 'none') {
    result.proxyCommand = commandEntry.args.join(' ');
    warnAt(commandEntry, 'ProxyCommand is not supported by Drover');
  }

  const tokens: Record<string, string | undefined> = {
    d: env.homeDir,
    h: hostName,
    i: env.uid === undefined ? undefined : String(env.uid),
    j: result.proxyJump ?? '',
    k: first('HostKeyAlias')?.args[0] ?? alias,
    L: env.localHostName?.split('.')[0],
    l: env.localHostName,
    n: alias,
    p: String(port),
    r: user,
    u: env.localUser,
  };
  for (const e of values.get('IdentityFile') ?? []) {
    const path = e.args[0]!;
    if (path.toLowerCase() === 'none') continue;
    if (/^~[^/]/.test(path)) warnAt(e, `~user paths are not supported: ${path}`);
    if (path.includes('${')) warnAt(e, `environment variables are not expanded: ${path}`);
    result.identityFiles.push(expandTokens(expandTilde(path, env.homeDir), tokens, (m) => warnAt(e, m)));
  }

  for (const e of values.get('LocalForward') ?? []) result.localForwards.push(e.args.slice(0, 2).join(':'));
  for (const e of values.get('RemoteForward') ?? []) result.remoteForwards.push(e.args.slice(0, 2).join(':'));
  for (const e of values.get('DynamicForward') ?? []) result.dynamicForwards.push(e.args[0]!);

  const interval = first('ServerAliveInterval');
  if (interval) {
    try {
      result.serverAliveInterval = parseSshTime(interval.args[0]!, 'ServerAliveInterval');
    } catch (err) {
      warnAt(interval, (err as Error).message);
    }
  }
  const count = first('ServerAliveCountMax');
  if (count) {
    try {
      result.serverAliveCountMax = parseSshCount(count.args[0]!, 'ServerAliveCountMax');
    } catch (err) {
      warnAt(count, (err as Error).message);
    }
  }

  const handled = new Set(['HostName', 'Port', 'User', 'ProxyJump', 'ProxyCommand', 'IdentityFile', 'LocalForward', 'RemoteForward', 'DynamicForward', 'ServerAliveInterval', 'ServerAliveCountMax']);
  for (const [keyword, list] of values) {
    if (!handled.has(keyword) && !MULTI_VALUED.has(keyword)) result.options[keyword] = list[0]!.args;
  }
  const ctl = result.options.ControlMaster?.[0];
  if (ctl !== undefined && parseYesNo(ctl) !== false) warnAt(first('ControlMaster'), 'ControlMaster (connection sharing) is not supported by Drover');
  return result;
}

/** Whether a comes before b in the order ssh reads the configuration (the include tree, depth first). */
function before(a: { source: string; line: number }, b: { source: string; line: number }, config: SshConfig): boolean {
  const order: string[] = [];
  const walk = (directives: Directive[], source: string) => {
    for (const d of directives) {
      order.push(`${source}:${d.line}`);
      if (d.kind === 'include') for (const f of d.files) walk(f.directives, f.path);
    }
  };
  walk(config.directives, config.path);
  return order.indexOf(`${a.source}:${a.line}`) < order.indexOf(`${b.source}:${b.line}`);
}

/** Concrete Host names (no wildcard, not negated), in file order without repeats: the import-hosts picker. */
export function listSshHostAliases(config: SshConfig): string[] {
  const out: string[] = [];
  const walk = (directives: Directive[]) => {
    for (const d of directives) {
      if (d.kind === 'host') for (const p of d.patterns) if (!p.startsWith('!') && !hasWildcard(p) && !out.includes(p)) out.push(p);
      if (d.kind === 'include') for (const f of d.files) walk(f.directives);
    }
  };
  walk(config.directives);
  return out;
}

/** Reads from the local file system; glob supports `*` and `?` in any path component (no dot files unless asked). */
export function createNodeSshConfigReader(): SshConfigReader {
  return {
    readFile(path) {
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
        throw err;
      }
    },
    glob(pattern) {
      const parts = pattern.split('/').filter((p) => p !== '');
      let paths = ['/'];
      for (const part of parts) {
        const next: string[] = [];
        for (const dir of paths) {
          if (!hasWildcard(part)) {
            next.push(posix.join(dir, part));
            continue;
          }
          let names: string[] = [];
          try {
            names = readdirSync(dir);
          } catch {
            continue;
          }
          for (const name of names) {
            if (name.startsWith('.') && !part.startsWith('.')) continue;
            if (matchWildcard(name, part)) next.push(posix.join(dir, name));
          }
        }
        paths = next;
      }
      return paths.sort();
    },
  };
}
