import { randomBytes } from 'node:crypto';
import {
  DOMAIN_STATE_NAMES,
  DomainActionRequestSchema,
  domainStateCode,
  domainStateName,
  domainStateReason,
  DomainUuidSchema,
  isActiveState,
  type BlockDevice,
  type DomainAction,
  type DomainActionOptions,
  type DomainActionResult,
  type DomainDetails,
  type DomainHostConfig,
  type DomainProblem,
  type DomainRow,
  type InterfaceDevice,
} from '../contract/domains';
import { AppError, type ErrorData } from '../contract/errors';
import { splitBatchOutput } from './parse/batch-output';
import { parseDomblklist, parseDomiflist } from './parse/device-lists';
import { parseDomblkstat, parseDomifstat } from './parse/device-stats';
import { parseDominfo } from './parse/dominfo';
import { parseDommemstat } from './parse/dommemstat';
import { parseDomstate } from './parse/domstate';
import { parseDomstats, statBig, statIndices, statSum, statUint, type DomstatsRecord } from './parse/domstats';
import { parseBareList, parseUuidSet, type ListColumns } from './parse/list';
import type { ParseProblem } from './parse/parse-result';
import { parseSnapshotList } from './parse/snapshot-list';
import { parseVcpuinfo } from './parse/vcpuinfo';
import { classifyVirshError, isVirshParseError, virshErrorLines, type VirshRun } from './parse/virsh-error';
import { actionArgv, batchArgv, type BatchCommand } from './virsh-argv';

/**
 * One round of domain data for one host, with as few remote calls as possible:
 *
 * 1. one virsh process running a batch: `list --all --id --uuid --name` (uuid, id, name), the
 *    `--autostart`, `--transient` and `--with-managed-save` filters as uuid lists, and
 *    `domstats --raw --state --cpu-total --balloon --vcpu --interface --block --nowait` for every
 *    domain at once. An older virsh that refuses an option gets the same batch without it.
 * 2. only when domstats left gaps (libvirt's test driver reports nothing but state; very old
 *    libvirt has no domstats): one more batch of `dominfo` / `dommemstat` by uuid for the
 *    domains that need it.
 *
 * CPU% and the disk/network rates are deltas of the counters against the previous round's
 * baseline. Nothing here keeps state or timers: the poller passes the previous round back in.
 */

export interface VirshExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an argv on the KVM host (Ssh2Connection.exec over SSH; execFile locally in tests). */
export type VirshExec = (argv: string[], signal?: AbortSignal) => Promise<VirshExecResult>;

/** Counters of one domain at one round; bigint because 64-bit counters pass 2^53. */
export interface DomainSample {
  id: number | null;
  cpuTimeNs: bigint | null;
  diskReadBytes: bigint | null;
  diskWriteBytes: bigint | null;
  netRxBytes: bigint | null;
  netTxBytes: bigint | null;
  runningSinceMs: number | null;
}

/** What the next round computes deltas against: the last round that reached virsh. */
export interface DomainBaseline {
  atMs: number;
  samples: Record<string, DomainSample>;
}

export interface DomainRound {
  hostId: string;
  uri: string;
  atMs: number;
  /** False when the host gave no list at all (SSH or libvirt unreachable): `error` says why. */
  ok: boolean;
  error: ErrorData | null;
  /** Keyed by uuid. Empty when !ok. */
  rows: Record<string, DomainRow>;
  problems: DomainProblem[];
  /** This round's counters when ok, else the previous baseline (so an outage does not fake restarts). */
  baseline: DomainBaseline | null;
  /** Remote commands run this round. */
  calls: number;
}

export interface CollectOptions {
  signal?: AbortSignal;
  /** Marker nonce source (tests); default 16 random hex digits. */
  nonce?: () => string;
  /** Domains per fallback dominfo batch. */
  fallbackBatchSize?: number;
}

const defaultNonce = (): string => randomBytes(8).toString('hex');

interface Variant {
  /** What `list` prints in the uuids section. */
  columns: ListColumns;
  commands: BatchCommand[];
}

const STATS_GROUPS = ['--state', '--cpu-total', '--balloon', '--vcpu', '--interface', '--block'];

const VARIANTS: Variant[] = [
  {
    columns: { uuid: true, id: true, name: true },
    commands: [
      { key: 'uuids', words: ['list', '--all', '--id', '--uuid', '--name'] },
      { key: 'autostart', words: ['list', '--all', '--autostart', '--uuid'] },
      { key: 'transient', words: ['list', '--all', '--transient', '--uuid'] },
      { key: 'managedsave', words: ['list', '--all', '--with-managed-save', '--uuid'] },
      { key: 'stats', words: ['domstats', '--raw', ...STATS_GROUPS, '--nowait'] },
    ],
  },
  {
    // virsh before `--id` joined the bare columns, or before domstats --nowait (libvirt < 4.5):
    // `--uuid --name` prints "%-36s %-30s".
    columns: { uuid: true, name: true },
    commands: [
      { key: 'uuids', words: ['list', '--all', '--uuid', '--name'] },
      { key: 'autostart', words: ['list', '--all', '--autostart', '--uuid'] },
      { key: 'transient', words: ['list', '--all', '--transient', '--uuid'] },
      { key: 'managedsave', words: ['list', '--all', '--with-managed-save', '--uuid'] },
      { key: 'stats', words: ['domstats', '--raw', ...STATS_GROUPS] },
    ],
  },
  {
    // libvirt older than domstats (1.2.8) or the list filters: everything from dominfo.
    columns: { uuid: true },
    commands: [{ key: 'uuids', words: ['list', '--all', '--uuid'] }],
  },
];

function hostProblem(hostId: string, message: string, opts: { domain?: string | null; code?: DomainProblem['code']; raw?: string } = {}): DomainProblem {
  const p: DomainProblem = { hostId, domain: opts.domain ?? null, code: opts.code ?? null, message: message.slice(0, 8192) };
  if (opts.raw !== undefined && opts.raw !== '') p.raw = opts.raw.slice(0, 4096);
  return p;
}

function parseProblems(hostId: string, what: string, problems: readonly ParseProblem[], domain: string | null = null): DomainProblem[] {
  return problems.map((p) => hostProblem(hostId, `${what}${p.line === null ? '' : ` line ${p.line}`}: ${p.message}`, { domain, raw: p.text }));
}

/** virsh `error:` lines of a batch that otherwise ran, as classified problems. */
function stderrProblems(hostId: string, run: VirshRun, ignore?: RegExp): DomainProblem[] {
  if (!/^error: /m.test(run.stderr)) return [];
  const out: DomainProblem[] = [];
  // Each failed command prints one or two error lines; classify them one by one.
  for (const line of virshErrorLines(run.stderr)) {
    if (ignore?.test(line)) continue;
    const err = classifyVirshError({ code: 1, stdout: '', stderr: `error: ${line}` });
    if (err) out.push(hostProblem(hostId, err.message, { code: err.code }));
  }
  return out;
}

async function runExec(exec: VirshExec, argv: string[], signal: AbortSignal | undefined): Promise<VirshRun | AppError> {
  try {
    const r = await exec(argv, signal);
    return { code: r.code, stdout: typeof r.stdout === 'string' ? r.stdout : String(r.stdout ?? ''), stderr: typeof r.stderr === 'string' ? r.stderr : String(r.stderr ?? '') };
  } catch (err) {
    return AppError.from(err);
  }
}

interface Gathered {
  uuid: string;
  name: string | null;
  id: number | null | undefined;
  stats: DomstatsRecord | undefined;
  autostart: boolean | null;
  persistent: boolean | null;
  managedSave: boolean | null;
  // Filled from dominfo / dommemstat when domstats had gaps.
  stateCode: number | null;
  reasonCode: number | null;
  vcpus: number | null;
  vcpusMax: number | null;
  memoryKiB: number | null;
  memoryMaxKiB: number | null;
  cpuTimeNs: bigint | null;
  memStats: Record<string, number> | null;
}

function fromStats(g: Gathered): void {
  const s = g.stats;
  if (!s) return;
  const st = statUint(s, 'state.state');
  if (st !== undefined) {
    g.stateCode = st;
    g.reasonCode = statUint(s, 'state.reason') ?? null;
  }
  g.vcpus = statUint(s, 'vcpu.current') ?? g.vcpus;
  g.vcpusMax = statUint(s, 'vcpu.maximum') ?? g.vcpusMax;
  g.memoryKiB = statUint(s, 'balloon.current') ?? g.memoryKiB;
  g.memoryMaxKiB = statUint(s, 'balloon.maximum') ?? g.memoryMaxKiB;
  g.cpuTimeNs = statBig(s, 'cpu.time') ?? g.cpuTimeNs;
}

function hasBalloonUsage(g: Gathered): boolean {
  const f = g.stats?.fields;
  if (!f) return false;
  return Object.keys(f).some((k) => k.startsWith('balloon.') && k !== 'balloon.current' && k !== 'balloon.maximum');
}

/** Guest-side use: available − usable (like MemTotal − MemAvailable), else current − unused. */
function memoryUsed(g: Gathered): number | null {
  const read = (tag: string): number | undefined => (g.stats ? statUint(g.stats, `balloon.${tag}`) : undefined) ?? g.memStats?.[tag];
  const available = read('available');
  const usable = read('usable');
  if (available !== undefined && usable !== undefined && available >= usable) return available - usable;
  const current = read('current') ?? read('actual') ?? g.memoryKiB ?? undefined;
  const unused = read('unused');
  if (current !== undefined && unused !== undefined && current >= unused) return current - unused;
  return null;
}

function memoryRss(g: Gathered): number | null {
  return (g.stats ? statUint(g.stats, 'balloon.rss') : undefined) ?? g.memStats?.rss ?? null;
}

function perSecond(now: bigint | null, before: bigint | null | undefined, dtMs: number): number | null {
  if (now === null || before === null || before === undefined || dtMs <= 0 || now < before) return null;
  return Math.round((Number(now - before) * 1000) / dtMs);
}

/** Batch-safe uuid (the only per-domain word that may go into a batch). */
function safeUuid(u: string): boolean {
  return DomainUuidSchema.safeParse(u).success;
}

export async function collectDomains(
  exec: VirshExec,
  host: Pick<DomainHostConfig, 'id'>,
  uri: string,
  previous: DomainRound | undefined,
  nowMs: number,
  options: CollectOptions = {},
): Promise<DomainRound> {
  const hostId = host.id;
  const nonce = (options.nonce ?? defaultNonce)();
  const baselineBefore = previous && previous.hostId === hostId && previous.uri === uri ? previous.baseline : null;
  const problems: DomainProblem[] = [];
  let calls = 0;
  const fail = (error: AppError): DomainRound => ({
    hostId,
    uri,
    atMs: nowMs,
    ok: false,
    error: error.toData(),
    rows: {},
    problems,
    baseline: baselineBefore,
    calls,
  });

  // ---- batch 1: list + filters + domstats, falling back for older virsh --------------------
  let variant: Variant | undefined;
  let run: VirshRun | undefined;
  for (const v of VARIANTS) {
    let argv: string[];
    try {
      argv = batchArgv(uri, v.commands, nonce);
    } catch (err) {
      return fail(AppError.from(err));
    }
    calls++;
    const r = await runExec(exec, argv, options.signal);
    if (r instanceof AppError) return fail(r);
    if (isVirshParseError(r) && !r.stdout.includes(`@@drover-${nonce}-`)) {
      problems.push(hostProblem(hostId, `this virsh refused a command of the batch, trying an older form: ${virshErrorLines(r.stderr).join('; ')}`, { code: 'UNSUPPORTED' }));
      continue;
    }
    variant = v;
    run = r;
    break;
  }
  if (!variant || !run) return fail(new AppError('UNSUPPORTED', 'no form of the virsh listing batch was accepted by this virsh', { hint: 'Check `virsh --version` on the host.' }));

  const keys = variant.commands.map((c) => c.key);
  const split = splitBatchOutput(run.stdout, nonce, keys);
  const sections = split.value.sections;
  if (!sections.has('uuids')) {
    const err = classifyVirshError(run) ?? new AppError('INTERNAL', 'virsh printed no domain list', { details: { stdout: run.stdout.slice(0, 2000) } });
    return fail(err);
  }
  if (!split.value.complete) problems.push(hostProblem(hostId, 'the virsh batch stopped before its end', { raw: run.stderr }));
  problems.push(...stderrProblems(hostId, run));

  const listed = parseBareList(sections.get('uuids'), variant.columns);
  problems.push(...parseProblems(hostId, 'list', listed.problems));
  const setOf = (key: string): Set<string> | null => {
    if (!sections.has(key)) return null;
    const r = parseUuidSet(sections.get(key));
    problems.push(...parseProblems(hostId, `list (${key})`, r.problems));
    return r.value;
  };
  const autostartSet = setOf('autostart');
  const transientSet = setOf('transient');
  const managedSet = setOf('managedsave');
  let statsByName = new Map<string, DomstatsRecord>();
  if (sections.has('stats')) {
    const stats = parseDomstats(sections.get('stats'));
    problems.push(...parseProblems(hostId, 'domstats', stats.problems));
    statsByName = new Map(stats.value.map((r) => [r.name, r]));
  }

  const gathered: Gathered[] = [];
  const seen = new Set<string>();
  for (const item of listed.value) {
    const uuid = item.uuid!;
    if (seen.has(uuid)) continue;
    seen.add(uuid);
    let name = item.name ?? null;
    // domstats prints the name exactly; the bare list may have lost trailing spaces.
    let stats = name !== null ? statsByName.get(name) : undefined;
    if (!stats && name !== null) {
      for (const [n, rec] of statsByName) {
        if (n.trimEnd() === name) {
          stats = rec;
          name = n;
          break;
        }
      }
    }
    const g: Gathered = {
      uuid,
      name,
      id: variant.columns.id ? (item.id ?? null) : undefined,
      stats,
      autostart: autostartSet ? autostartSet.has(uuid) : null,
      persistent: transientSet ? !transientSet.has(uuid) : null,
      managedSave: managedSet ? managedSet.has(uuid) : null,
      stateCode: null,
      reasonCode: null,
      vcpus: null,
      vcpusMax: null,
      memoryKiB: null,
      memoryMaxKiB: null,
      cpuTimeNs: null,
      memStats: null,
    };
    fromStats(g);
    gathered.push(g);
  }

  // ---- batch 2 (only when needed): dominfo / dommemstat by uuid ------------------------------
  const needInfo = gathered.filter(
    (g) => g.name === null || g.id === undefined || g.stateCode === null || g.vcpus === null || g.memoryKiB === null || g.autostart === null || g.persistent === null || g.managedSave === null || (g.cpuTimeNs === null && g.stateCode !== 5),
  );
  // Active (or not yet known) domains without guest memory figures; dommemstat on an inactive
  // one only prints an error, which is ignored below.
  const needMem = gathered.filter((g) => (g.stateCode === null || isActiveState(g.stateCode)) && !hasBalloonUsage(g));
  const wanted = new Map<string, { info: boolean; mem: boolean }>();
  for (const g of needInfo) wanted.set(g.uuid, { info: true, mem: false });
  for (const g of needMem) wanted.set(g.uuid, { info: wanted.get(g.uuid)?.info ?? false, mem: true });
  const byUuid = new Map(gathered.map((g) => [g.uuid, g]));
  const chunk = Math.max(1, options.fallbackBatchSize ?? 100);
  const todo = [...wanted.entries()].filter(([u]) => {
    if (safeUuid(u)) return true;
    problems.push(hostProblem(hostId, `skipped a domain whose uuid is not a plain uuid: ${u}`, { domain: u }));
    return false;
  });
  for (let at = 0; at < todo.length; at += chunk) {
    const part = todo.slice(at, at + chunk);
    const commands: BatchCommand[] = [];
    part.forEach(([uuid, w], i) => {
      if (w.info) commands.push({ key: `info${i}`, words: ['dominfo', uuid] });
      if (w.mem) commands.push({ key: `mem${i}`, words: ['dommemstat', uuid] });
    });
    calls++;
    const r2 = await runExec(exec, batchArgv(uri, commands, nonce), options.signal);
    if (r2 instanceof AppError) {
      problems.push(hostProblem(hostId, `details of ${part.length} domain(s) could not be read: ${r2.message}`, { code: r2.code }));
      continue;
    }
    const s2 = splitBatchOutput(r2.stdout, nonce, commands.map((c) => c.key));
    // A domain that vanished between the two calls, or dommemstat on a domain without a balloon.
    problems.push(...stderrProblems(hostId, r2, /failed to get domain|Domain not found|Failed to get memory statistics|domain is not running/));
    part.forEach(([uuid, w], i) => {
      const g = byUuid.get(uuid)!;
      if (w.info) {
        const text = s2.value.sections.get(`info${i}`) ?? '';
        if (text.trim() === '') return;
        const info = parseDominfo(text);
        problems.push(...parseProblems(hostId, 'dominfo', info.problems, uuid));
        const v = info.value;
        if (g.name === null && v.name !== '') {
          g.name = v.name;
          // Now that the name is known, its domstats record can be used.
          g.stats ??= statsByName.get(v.name);
          fromStats(g);
        }
        if (g.id === undefined) g.id = v.id;
        if (g.stateCode === null && v.state !== null) g.stateCode = domainStateCode(v.state) ?? null;
        g.vcpus ??= v.vcpus;
        g.memoryKiB ??= v.usedMemoryKiB;
        g.memoryMaxKiB ??= v.maxMemoryKiB;
        g.autostart ??= v.autostart;
        g.persistent ??= v.persistent;
        g.managedSave ??= v.managedSave;
        if (g.cpuTimeNs === null && v.cpuTimeSec !== null) g.cpuTimeNs = BigInt(Math.round(v.cpuTimeSec * 10)) * 100_000_000n;
      }
      if (w.mem) {
        const text = s2.value.sections.get(`mem${i}`) ?? '';
        if (text.trim() === '') return;
        const mem = parseDommemstat(text);
        problems.push(...parseProblems(hostId, 'dommemstat', mem.problems, uuid));
        if (Object.keys(mem.value).length > 0) g.memStats = mem.value;
      }
    });
  }

  // ---- rows and deltas ----------------------------------------------------------------------
  const rows: Record<string, DomainRow> = {};
  const samples: Record<string, DomainSample> = {};
  const dtMs = baselineBefore ? nowMs - baselineBefore.atMs : 0;
  for (const g of gathered) {
    if (g.stateCode === null) {
      problems.push(hostProblem(hostId, 'no state for a listed domain (it may have just been undefined)', { domain: g.uuid }));
      continue;
    }
    const stateCode = g.stateCode;
    const id = g.id ?? null;
    const active = isActiveState(stateCode) && id !== null;
    const before = baselineBefore?.samples[g.uuid];
    const sameRun = active && before !== undefined && before.id === id;
    let runningSinceMs: number | null = null;
    if (active) {
      if (sameRun) runningSinceMs = before.runningSinceMs;
      else if (baselineBefore) runningSinceMs = nowMs;
    }
    const s = g.stats;
    const sample: DomainSample = {
      id,
      cpuTimeNs: active ? g.cpuTimeNs : null,
      diskReadBytes: s ? (statSum(s, 'block', 'rd.bytes') ?? null) : null,
      diskWriteBytes: s ? (statSum(s, 'block', 'wr.bytes') ?? null) : null,
      netRxBytes: s ? (statSum(s, 'net', 'rx.bytes') ?? null) : null,
      netTxBytes: s ? (statSum(s, 'net', 'tx.bytes') ?? null) : null,
      runningSinceMs,
    };
    samples[g.uuid] = sample;
    let cpuPercent: number | null = null;
    if (sameRun && dtMs > 0 && sample.cpuTimeNs !== null && before.cpuTimeNs !== null && sample.cpuTimeNs >= before.cpuTimeNs) {
      const vcpus = g.vcpus && g.vcpus > 0 ? g.vcpus : 1;
      const pct = (Number(sample.cpuTimeNs - before.cpuTimeNs) / (dtMs * 1e6 * vcpus)) * 100;
      cpuPercent = Math.round(Math.min(100, Math.max(0, pct)) * 10) / 10;
    }
    const rate = (k: 'diskReadBytes' | 'diskWriteBytes' | 'netRxBytes' | 'netTxBytes'): number | null => (sameRun ? perSecond(sample[k], before[k], dtMs) : null);
    const reasonCode = g.reasonCode;
    rows[g.uuid] = {
      uuid: g.uuid,
      hostId,
      name: g.name ?? g.uuid,
      id: active ? id : null,
      state: domainStateName(stateCode),
      stateCode: stateCode < DOMAIN_STATE_NAMES.length ? stateCode : 0,
      reason: reasonCode === null ? null : domainStateReason(stateCode, reasonCode),
      reasonCode,
      vcpus: g.vcpus,
      vcpusMax: g.vcpusMax,
      memoryKiB: g.memoryKiB,
      memoryMaxKiB: g.memoryMaxKiB,
      autostart: g.autostart,
      persistent: g.persistent,
      managedSave: g.managedSave,
      cpuPercent,
      memoryUsedKiB: active ? memoryUsed(g) : null,
      memoryRssKiB: active ? memoryRss(g) : null,
      diskReadBytesPerSec: rate('diskReadBytes'),
      diskWriteBytesPerSec: rate('diskWriteBytes'),
      netRxBytesPerSec: rate('netRxBytes'),
      netTxBytesPerSec: rate('netTxBytes'),
      runningSinceMs,
    };
  }
  return { hostId, uri, atMs: nowMs, ok: true, error: null, rows, problems, baseline: { atMs: nowMs, samples }, calls };
}

// ---- details ----------------------------------------------------------------------------------

const DEVICE_WORD = /^[A-Za-z0-9_.:-]+$/;

/** Everything about one domain (by uuid), in one batch plus one for per-device counters when domstats has none. */
export async function collectDomainDetails(
  exec: VirshExec,
  host: Pick<DomainHostConfig, 'id'>,
  uri: string,
  uuid: string,
  options: CollectOptions = {},
): Promise<DomainDetails> {
  const hostId = host.id;
  const problems: DomainProblem[] = [];
  const details: DomainDetails = { hostId, uuid, info: null, memoryStats: null, vcpus: [], blockDevices: [], interfaces: [], snapshots: [], problems };
  if (!safeUuid(uuid)) {
    problems.push(hostProblem(hostId, 'details need the domain’s uuid (lower-case)', { domain: uuid, code: 'INVALID_INPUT' }));
    return details;
  }
  const nonce = (options.nonce ?? defaultNonce)();
  const commands: BatchCommand[] = [
    { key: 'info', words: ['dominfo', uuid] },
    { key: 'state', words: ['domstate', '--reason', uuid] },
    { key: 'mem', words: ['dommemstat', uuid] },
    { key: 'vcpu', words: ['vcpuinfo', uuid] },
    { key: 'blk', words: ['domblklist', '--details', uuid] },
    { key: 'if', words: ['domiflist', uuid] },
    { key: 'snap', words: ['snapshot-list', '--parent', uuid] },
    { key: 'stats', words: ['domstats', '--raw', '--block', '--interface', uuid] },
  ];
  const r = await runExec(exec, batchArgv(uri, commands, nonce), options.signal);
  if (r instanceof AppError) {
    problems.push(hostProblem(hostId, r.message, { domain: uuid, code: r.code }));
    return details;
  }
  const split = splitBatchOutput(r.stdout, nonce, commands.map((c) => c.key));
  const sec = (k: string): string => split.value.sections.get(k) ?? '';
  if (!split.value.sections.has('info')) {
    const err = classifyVirshError(r) ?? new AppError('INTERNAL', 'virsh printed nothing');
    problems.push(hostProblem(hostId, err.message, { domain: uuid, code: err.code }));
    return details;
  }
  const info = parseDominfo(sec('info'));
  if (sec('info').trim() === '') {
    // dominfo failed: the domain is gone (or libvirt refused); the stderr says which.
    problems.push(...stderrProblems(hostId, r).map((p) => ({ ...p, domain: uuid })));
    return details;
  }
  details.info = info.value;
  problems.push(...parseProblems(hostId, 'dominfo', info.problems, uuid));
  const inactive = info.value.state === 'shut off';
  problems.push(...stderrProblems(hostId, r, inactive ? /not running|Failed to get memory statistics/ : undefined).map((p) => ({ ...p, domain: uuid })));

  const state = parseDomstate(sec('state'));
  if (state.value && info.value.state === null && state.value.state !== null) details.info.state = state.value.state;

  const mem = parseDommemstat(sec('mem'));
  problems.push(...parseProblems(hostId, 'dommemstat', mem.problems, uuid));
  details.memoryStats = Object.keys(mem.value).length > 0 ? mem.value : null;

  const vcpu = parseVcpuinfo(sec('vcpu'));
  problems.push(...parseProblems(hostId, 'vcpuinfo', vcpu.problems, uuid));
  details.vcpus = vcpu.value;

  const blk = parseDomblklist(sec('blk'));
  problems.push(...parseProblems(hostId, 'domblklist', blk.problems, uuid));
  const ifs = parseDomiflist(sec('if'));
  problems.push(...parseProblems(hostId, 'domiflist', ifs.problems, uuid));
  const snaps = parseSnapshotList(sec('snap'));
  problems.push(...parseProblems(hostId, 'snapshot-list', snaps.problems, uuid));
  details.snapshots = snaps.value;

  const statsRec = parseDomstats(sec('stats')).value[0];
  const blockDevices: BlockDevice[] = blk.value.map((d) => ({ ...d, stats: null }));
  const interfaces: InterfaceDevice[] = ifs.value.map((d) => ({ ...d, stats: null }));
  if (statsRec) {
    for (const i of statIndices(statsRec, 'block')) {
      const name = statsRec.fields[`block.${i}.name`];
      const dev = blockDevices.find((d) => d.target === name);
      if (!dev) continue;
      const pick: Array<[string, string]> = [
        ['rd_req', 'rd.reqs'],
        ['rd_bytes', 'rd.bytes'],
        ['wr_req', 'wr.reqs'],
        ['wr_bytes', 'wr.bytes'],
        ['flush_operations', 'fl.reqs'],
        ['rd_total_times', 'rd.times'],
        ['wr_total_times', 'wr.times'],
        ['flush_total_times', 'fl.times'],
        ['errs', 'errors'],
      ];
      const stats: Record<string, number> = {};
      for (const [out, key] of pick) {
        const v = statUint(statsRec, `block.${i}.${key}`);
        if (v !== undefined) stats[out] = v;
      }
      if (Object.keys(stats).length > 0) dev.stats = stats;
    }
    for (const i of statIndices(statsRec, 'net')) {
      const name = statsRec.fields[`net.${i}.name`];
      const dev = interfaces.find((d) => d.name === name);
      if (!dev) continue;
      const stats: Record<string, number> = {};
      for (const dir of ['rx', 'tx']) {
        for (const [out, key] of [
          ['bytes', 'bytes'],
          ['packets', 'pkts'],
          ['errs', 'errs'],
          ['drop', 'drop'],
        ] as const) {
          const v = statUint(statsRec, `net.${i}.${dir}.${key}`);
          if (v !== undefined) stats[`${dir}_${out}`] = v;
        }
      }
      if (Object.keys(stats).length > 0) dev.stats = stats;
    }
  }

  // domstats had no per-device counters (test driver, old libvirt): ask per device, in one batch.
  if (!inactive) {
    const more: BatchCommand[] = [];
    blockDevices.forEach((d, i) => {
      if (d.stats === null && DEVICE_WORD.test(d.target)) more.push({ key: `blk${i}`, words: ['domblkstat', uuid, d.target] });
    });
    interfaces.forEach((d, i) => {
      if (d.stats === null && d.name !== null && DEVICE_WORD.test(d.name)) more.push({ key: `if${i}`, words: ['domifstat', uuid, d.name] });
    });
    if (more.length > 0) {
      const r2 = await runExec(exec, batchArgv(uri, more, nonce), options.signal);
      if (r2 instanceof AppError) problems.push(hostProblem(hostId, r2.message, { domain: uuid, code: r2.code }));
      else {
        const s2 = splitBatchOutput(r2.stdout, nonce, more.map((c) => c.key));
        problems.push(...stderrProblems(hostId, r2).map((p) => ({ ...p, domain: uuid })));
        blockDevices.forEach((d, i) => {
          const text = s2.value.sections.get(`blk${i}`);
          if (text === undefined || text.trim() === '') return;
          const st = parseDomblkstat(text);
          problems.push(...parseProblems(hostId, 'domblkstat', st.problems, uuid));
          if (Object.keys(st.value.stats).length > 0) d.stats = { ...st.value.stats };
        });
        interfaces.forEach((d, i) => {
          const text = s2.value.sections.get(`if${i}`);
          if (text === undefined || text.trim() === '') return;
          const st = parseDomifstat(text);
          problems.push(...parseProblems(hostId, 'domifstat', st.problems, uuid));
          if (Object.keys(st.value.stats).length > 0) d.stats = { ...st.value.stats };
        });
      }
    }
  }
  details.blockDevices = blockDevices;
  details.interfaces = interfaces;
  return details;
}

// ---- actions ----------------------------------------------------------------------------------

/** The result of one action without the host (runBulk adds it). */
export type DomainActionOutcome = Omit<DomainActionResult, 'host'>;

export interface ActionContext {
  signal?: AbortSignal;
}

/**
 * Runs one action on one domain (uuid recommended, or name) as one virsh process with the domain
 * as a single argv element. Never throws: bad options, virsh errors and SSH failures come back
 * as `ok: false` with an error whose message is virsh's own text.
 */
export async function runDomainAction<A extends DomainAction>(
  exec: VirshExec,
  uri: string,
  action: A,
  domain: string,
  options: DomainActionOptions<A>,
  ctx: ActionContext = {},
): Promise<DomainActionOutcome> {
  const parsed = DomainActionRequestSchema.safeParse({ ...(options ?? {}), action });
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ');
    return { domain, ok: false, output: '', error: new AppError('INVALID_INPUT', `${action}: ${why}`).toData() };
  }
  let argv: string[];
  try {
    argv = actionArgv(uri, domain, parsed.data);
  } catch (err) {
    return { domain, ok: false, output: '', error: AppError.from(err).toData() };
  }
  const r = await runExec(exec, argv, ctx.signal);
  if (r instanceof AppError) return { domain, ok: false, output: '', error: r.toData() };
  const output = r.stdout.trim().slice(0, 65_536);
  const err = classifyVirshError(r);
  return { domain, ok: err === null, output, error: err ? err.toData() : null };
}

export interface BulkTarget {
  /** DomainHostConfig id (reported back as `host`). */
  host: string;
  exec: VirshExec;
  uri: string;
  /** uuid (recommended) or name. */
  domain: string;
}

export interface BulkOptions {
  /** Actions running at once overall (default 8). */
  concurrency?: number;
  /** Actions running at once on one host (default 4; sshd allows 10 sessions per connection). */
  perHostConcurrency?: number;
  signal?: AbortSignal;
  /** Called as each action ends (for progress). */
  onResult?: (result: DomainActionResult, index: number) => void;
}

/** One action on many domains (on one or many hosts); one result per target, in target order. */
export async function runBulk<A extends DomainAction>(targets: readonly BulkTarget[], action: A, options: DomainActionOptions<A>, bulk: BulkOptions = {}): Promise<DomainActionResult[]> {
  const results: DomainActionResult[] = new Array<DomainActionResult>(targets.length);
  const limit = Math.max(1, bulk.concurrency ?? 8);
  const perHost = Math.max(1, bulk.perHostConcurrency ?? 4);
  const running = new Map<string, number>();
  const pending = targets.map((t, i) => ({ t, i }));
  let active = 0;

  const record = (t: BulkTarget, i: number, outcome: DomainActionOutcome): void => {
    const result: DomainActionResult = { ...outcome, host: t.host };
    results[i] = result;
    try {
      bulk.onResult?.(result, i);
    } catch {}
  };

  await new Promise<void>((resolveAll) => {
    const pump = (): void => {
      while (active < limit) {
        const at = pending.findIndex((p) => (running.get(p.t.host) ?? 0) < perHost);
        if (at < 0) break;
        const { t, i } = pending.splice(at, 1)[0]!;
        if (bulk.signal?.aborted) {
          record(t, i, { domain: t.domain, ok: false, output: '', error: new AppError('CANCELLED', `${action} was cancelled before it ran on ${t.domain}`).toData() });
          continue;
        }
        active++;
        running.set(t.host, (running.get(t.host) ?? 0) + 1);
        const done = (outcome: DomainActionOutcome): void => {
          active--;
          running.set(t.host, (running.get(t.host) ?? 1) - 1);
          record(t, i, outcome);
          pump();
        };
        void runDomainAction(t.exec, t.uri, action, t.domain, options, { signal: bulk.signal }).then(done, (err: unknown) =>
          done({ domain: t.domain, ok: false, output: '', error: AppError.from(err).toData() }),
        );
      }
      if (pending.length === 0 && active === 0) resolveAll();
    };
    pump();
  });
  return results;
}
