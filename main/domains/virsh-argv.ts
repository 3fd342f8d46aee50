import { AppError } from '../contract/errors';
import type { DomainActionRequestInput } from '../contract/domains';
import { buildCommand } from '../ssh/shell-quote';

/**
 * Argument vectors for every virsh use. Every command starts with
 * `env LC_ALL=C.UTF-8 LANGUAGE= virsh -c URI`: the C locale's untranslated messages whatever
 * the host's locale (gettext), which is what the parsers and the error classifier read.
 * C.UTF-8 rather than plain C because virsh's tables escape every non-ASCII byte in the C locale
 * (a domain named 矿机-07 prints as `\xff\xff…-07`, seen with virsh 9.0); a host without a
 * C.UTF-8 locale falls back to plain C. LANGUAGE is emptied because gettext honours it in any
 * locale other than plain "C". Options come first, then `--`, then
 * the domain and other positional values as single argv elements: after `--` virsh takes every
 * word as data, so a domain named `--all` or `-rf` is a name and nothing else. Values of
 * options are passed as `--opt=value` for the same reason.
 *
 * A domain can be given by uuid (recommended: virsh looks a word up as an id first, then as a
 * uuid, then as a name, so a domain named "3" loses to domain id 3), by name or by id.
 *
 * The remote command string is `buildCommand(argv)` from main/ssh/shell-quote.ts (what
 * Ssh2Connection.exec does), so the login shell hands each element to env unchanged.
 */

export const VIRSH_DEFAULT_URI = 'qemu:///system';

/** The prefix of every virsh command: C messages (UTF-8 names), explicit connection URI. */
export function virshBase(uri: string): string[] {
  if (uri.length === 0 || /[\0\n\r]/.test(uri)) throw new AppError('INVALID_INPUT', 'the libvirt URI is empty or contains a line break');
  return ['env', 'LC_ALL=C.UTF-8', 'LANGUAGE=', 'virsh', '-c', uri];
}

function checkWord(what: string, value: string): string {
  if (value.length === 0) throw new AppError('INVALID_INPUT', `${what} is empty`);
  if (/[\0\n\r]/.test(value)) throw new AppError('INVALID_INPUT', `${what} contains a line break or NUL`);
  return value;
}

/** `virsh -c URI <command> [options...] -- <positional...>`; no `--` when there is nothing positional. */
export function virshArgv(uri: string, command: string, options: readonly string[] = [], positional: readonly string[] = []): string[] {
  const argv = [...virshBase(uri), command, ...options];
  if (positional.length > 0) argv.push('--', ...positional);
  return argv;
}

/** The remote command line for an argv (POSIX-quoted by the one quoting function). */
export function remoteCommand(argv: readonly string[]): string {
  return buildCommand(argv);
}

// ---- listing ------------------------------------------------------------------------------

export interface ListOptions {
  /** Bare columns instead of the table (virsh prints uuid, id, name in that order, space-separated). */
  uuid?: boolean;
  name?: boolean;
  id?: boolean;
  /** In the table, a shut-off domain with a managed-save image shows as "saved". */
  managedSave?: boolean;
  /** Filters. */
  autostart?: boolean;
  transient?: boolean;
  persistent?: boolean;
  withManagedSave?: boolean;
  /** Only active domains (default: all). */
  activeOnly?: boolean;
}

export function listArgv(uri: string, o: ListOptions = {}): string[] {
  const opts: string[] = [];
  if (!o.activeOnly) opts.push('--all');
  if (o.id) opts.push('--id');
  if (o.uuid) opts.push('--uuid');
  if (o.name) opts.push('--name');
  if (o.managedSave) opts.push('--managed-save');
  if (o.autostart) opts.push('--autostart');
  if (o.transient) opts.push('--transient');
  if (o.persistent) opts.push('--persistent');
  if (o.withManagedSave) opts.push('--with-managed-save');
  return virshArgv(uri, 'list', opts);
}

// ---- per-domain reads ---------------------------------------------------------------------

export function dominfoArgv(uri: string, domain: string): string[] {
  return virshArgv(uri, 'dominfo', [], [checkWord('domain', domain)]);
}

export function domstateArgv(uri: string, domain: string, reason = true): string[] {
  return virshArgv(uri, 'domstate', reason ? ['--reason'] : [], [checkWord('domain', domain)]);
}

export function dommemstatArgv(uri: string, domain: string): string[] {
  return virshArgv(uri, 'dommemstat', [], [checkWord('domain', domain)]);
}

export function vcpuinfoArgv(uri: string, domain: string, pretty = false): string[] {
  return virshArgv(uri, 'vcpuinfo', pretty ? ['--pretty'] : [], [checkWord('domain', domain)]);
}

export const DOMSTATS_GROUPS = ['state', 'cpu-total', 'balloon', 'vcpu', 'interface', 'block'] as const;
export type DomstatsGroup = (typeof DOMSTATS_GROUPS)[number];

export interface DomstatsOptions {
  groups?: readonly DomstatsGroup[];
  /** Do not wait for a domain's job lock (libvirt ≥ 4.5): a busy domain reports less, never blocks. */
  nowait?: boolean;
  /** Domains to report; none means every domain. */
  domains?: readonly string[];
}

export function domstatsArgv(uri: string, o: DomstatsOptions = {}): string[] {
  const groups = o.groups ?? DOMSTATS_GROUPS;
  const opts = ['--raw', ...groups.map((g) => `--${g}`)];
  if (o.nowait) opts.push('--nowait');
  return virshArgv(uri, 'domstats', opts, (o.domains ?? []).map((d) => checkWord('domain', d)));
}

export function domblklistArgv(uri: string, domain: string, details = true): string[] {
  return virshArgv(uri, 'domblklist', details ? ['--details'] : [], [checkWord('domain', domain)]);
}

export function domblkstatArgv(uri: string, domain: string, device: string): string[] {
  return virshArgv(uri, 'domblkstat', [], [checkWord('domain', domain), checkWord('device', device)]);
}

export function domiflistArgv(uri: string, domain: string): string[] {
  return virshArgv(uri, 'domiflist', [], [checkWord('domain', domain)]);
}

export function domifstatArgv(uri: string, domain: string, iface: string): string[] {
  return virshArgv(uri, 'domifstat', [], [checkWord('domain', domain), checkWord('interface', iface)]);
}

export function snapshotListArgv(uri: string, domain: string, o: { parent?: boolean; name?: boolean } = {}): string[] {
  const opts: string[] = [];
  if (o.parent) opts.push('--parent');
  if (o.name) opts.push('--name');
  return virshArgv(uri, 'snapshot-list', opts, [checkWord('domain', domain)]);
}

/** Interactive serial console: for a pty channel (terminal feature), not for exec. */
export function consoleArgv(uri: string, domain: string, o: { force?: boolean; safe?: boolean } = {}): string[] {
  const opts: string[] = [];
  if (o.force) opts.push('--force');
  if (o.safe) opts.push('--safe');
  return virshArgv(uri, 'console', opts, [checkWord('domain', domain)]);
}

// ---- actions ------------------------------------------------------------------------------

function flag(on: boolean | undefined, name: string): string[] {
  return on ? [name] : [];
}

function runningPaused(o: { running?: boolean; paused?: boolean }): string[] {
  if (o.running && o.paused) throw new AppError('INVALID_INPUT', '--running and --paused exclude each other');
  return [...flag(o.running, '--running'), ...flag(o.paused, '--paused')];
}

/** The argv of one action on one domain (for `restore`, `domain` is not used: the file names the domain). */
export function actionArgv(uri: string, domain: string, request: DomainActionRequestInput): string[] {
  const d = (): string => checkWord('domain', domain);
  switch (request.action) {
    case 'start':
      return virshArgv(uri, 'start', flag(request.forceBoot, '--force-boot'), [d()]);
    case 'shutdown':
      return virshArgv(uri, 'shutdown', request.mode ? [`--mode=${request.mode}`] : [], [d()]);
    case 'reboot':
      return virshArgv(uri, 'reboot', request.mode ? [`--mode=${request.mode}`] : [], [d()]);
    case 'reset':
      return virshArgv(uri, 'reset', [], [d()]);
    case 'suspend':
      return virshArgv(uri, 'suspend', [], [d()]);
    case 'resume':
      return virshArgv(uri, 'resume', [], [d()]);
    case 'destroy':
      return virshArgv(uri, 'destroy', flag(request.graceful, '--graceful'), [d()]);
    case 'autostart-enable':
      return virshArgv(uri, 'autostart', [], [d()]);
    case 'autostart-disable':
      return virshArgv(uri, 'autostart', ['--disable'], [d()]);
    case 'managedsave':
      return virshArgv(uri, 'managedsave', runningPaused(request), [d()]);
    case 'managedsave-remove':
      return virshArgv(uri, 'managedsave-remove', [], [d()]);
    case 'snapshot-create': {
      const opts: string[] = [];
      if (request.description !== undefined) opts.push(`--description=${checkDescription(request.description)}`);
      if (request.atomic) opts.push('--atomic');
      return virshArgv(uri, 'snapshot-create-as', opts, [d(), checkWord('snapshot name', request.name)]);
    }
    case 'snapshot-revert':
      return virshArgv(uri, 'snapshot-revert', runningPaused(request), [d(), checkWord('snapshot name', request.name)]);
    case 'snapshot-delete':
      return virshArgv(uri, 'snapshot-delete', [], [d(), checkWord('snapshot name', request.name)]);
    case 'save':
      return virshArgv(uri, 'save', runningPaused(request), [d(), checkWord('file', request.file)]);
    case 'restore':
      return virshArgv(uri, 'restore', runningPaused(request), [checkWord('file', request.file)]);
    case 'migrate': {
      const opts = [...flag(request.live ?? true, '--live'), ...flag(request.persistent, '--persistent'), ...flag(request.undefineSource, '--undefinesource')];
      return virshArgv(uri, 'migrate', opts, [d(), checkWord('destination URI', request.destUri)]);
    }
    default: {
      const never: never = request;
      throw new AppError('INVALID_INPUT', `unknown domain action ${JSON.stringify((never as { action?: unknown }).action)}`);
    }
  }
}

function checkDescription(text: string): string {
  if (text.includes('\0')) throw new AppError('INVALID_INPUT', 'the description contains a NUL byte');
  return text;
}

// ---- batches ------------------------------------------------------------------------------

/**
 * Several virsh commands in one process: `virsh -c URI 'echo M1; cmd1; echo M2; cmd2'`. virsh
 * parses that string with its own shell-like rules, so a batch may hold only fixed words made
 * of [A-Za-z0-9@:._=/-] (command names, options, uuids, fixed paths): any other word is refused,
 * and names never go into a batch. A batch stops before running anything when one command does
 * not parse (an option this virsh lacks); otherwise every command runs and the exit code is the
 * last one's.
 */
export interface BatchCommand {
  /** The section name its output is filed under (letters, digits, - and _). */
  key: string;
  /** The command words, e.g. ['list', '--all', '--uuid']. */
  words: readonly string[];
}

const BATCH_WORD = /^[A-Za-z0-9@:._=/-]+$/;
const SECTION_KEY = /^[A-Za-z0-9_-]+$/;

/** The marker line virsh's echo prints before a section. */
export function batchMarker(nonce: string, key: string): string {
  return `@@drover-${nonce}-${key}@@`;
}

export const BATCH_END_KEY = 'end';

export function batchArgv(uri: string, commands: readonly BatchCommand[], nonce: string): string[] {
  if (!/^[A-Za-z0-9]{4,64}$/.test(nonce)) throw new AppError('INVALID_INPUT', 'the batch nonce must be 4-64 letters or digits');
  if (commands.length === 0) throw new AppError('INVALID_INPUT', 'an empty virsh batch');
  const parts: string[] = [];
  const keys = new Set<string>();
  for (const c of commands) {
    if (!SECTION_KEY.test(c.key) || c.key === BATCH_END_KEY || keys.has(c.key)) throw new AppError('INVALID_INPUT', `bad or repeated batch section key ${JSON.stringify(c.key)}`);
    keys.add(c.key);
    if (c.words.length === 0) throw new AppError('INVALID_INPUT', `batch section ${c.key} has no command`);
    for (const w of c.words) {
      if (!BATCH_WORD.test(w)) throw new AppError('INVALID_INPUT', `batch word ${JSON.stringify(w)} is not a fixed word; names never go into a virsh batch`);
    }
    parts.push(`echo ${batchMarker(nonce, c.key)}`, c.words.join(' '));
  }
  parts.push(`echo ${batchMarker(nonce, BATCH_END_KEY)}`);
  return [...virshBase(uri), parts.join('; ')];
}
