import type { DiskRate, GpuMetrics, HostMetrics, NetRate, ProbeProblem, Temperature, ToolState } from '../../contract/fleet';
import { NVIDIA_BASIC_FIELDS } from '../probe-script';
import { counterDelta } from './counter-delta';
import { parseDf } from './parse-df';
import { parseDiskstats, type DiskCounters } from './parse-diskstats';
import { parseLoadavg } from './parse-loadavg';
import { parseMeminfo } from './parse-meminfo';
import { parseNetDev, type NetCounters } from './parse-net-dev';
import { parseNvidiaSmiCsv } from './parse-nvidia-smi';
import { cpuTotal, parseProcStat, type CpuTimes } from './parse-proc-stat';
import { parseRocmSmiJson } from './parse-rocm-smi';
import { splitProbeSections, type ProbeSection } from './parse-sections';
import { parseSmartSection } from './parse-smartctl';
import { cpuTemperature, mergeTemperatures, parseHwmon, parseSensors, parseThermalZones } from './parse-temperatures';
import { parseUptime } from './parse-uptime';
import { addProblem, firstLine, round, splitLines } from './parse-util';

/**
 * The raw counters of one probe, kept by the caller (not sent to the UI) and passed back with the
 * next probe of the same host, so CPU use and disk/network rates come from deltas.
 */
export interface ProbeSample {
  atMs: number;
  uptimeSec: number | null;
  bootTimeSec: number | null;
  cpu: CpuTimes | null;
  disks: Record<string, DiskCounters>;
  nets: Record<string, NetCounters>;
}

export interface ParsedProbe {
  metrics: HostMetrics;
  /** Give this back as `previous` with the next probe of the same host. */
  sample: ProbeSample;
}

export interface ParseProbeOptions {
  /** The caller's own measure of the exec round trip. */
  roundTripMs?: number;
}

/** Exit statuses of `timeout` (TERM, then KILL after -k) and of a shell killed by them. */
const TIMED_OUT = new Set([124, 137, 143]);

/** A bootTime that moved by more than this is a reboot (btime jitters by a second with clock adjustments). */
const BOOT_TIME_SLACK_SEC = 5;

/**
 * Probe-script output → HostMetrics (+ the counters for next time). `previous` is the sample of
 * the same host's previous probe, if any; rates are null without it, after a reboot, and for
 * counters that went backwards. Never throws: what cannot be parsed becomes a problem.
 */
export function parseProbeOutput(text: string, previous: ProbeSample | undefined, nowMs: number, options: ParseProbeOptions = {}): ParsedProbe {
  const problems: ProbeProblem[] = [];
  const { sections, done } = splitProbeSections(text, problems);
  const body = (name: string): ProbeSection | undefined => {
    const s = sections.get(name);
    return s && (s.state === 'ran' || s.state === 'cut') ? s : undefined;
  };
  const safely = <T>(section: string, fallback: T, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      addProblem(problems, section, 'error', `could not parse ${section}: ${err instanceof Error ? err.message : String(err)}`);
      return fallback;
    }
  };
  const required = (name: string): string | undefined => {
    const s = body(name);
    if (!s) {
      if (sections.size > 0) addProblem(problems, name, 'error', `section ${name} is missing`);
      return undefined;
    }
    // grep exits 1 when nothing matched: an empty section, not a failure.
    if (s.rc !== null && s.rc !== 0 && !(s.rc === 1 && s.body.trim() === '')) {
      addProblem(problems, name, 'warning', `${name} exited with status ${s.rc}${s.body.trim() ? `: ${firstLine(s.body)}` : ''}`);
    }
    return s.body;
  };

  // meta
  const meta = new Map<string, string>();
  for (const line of splitLines(body('meta')?.body ?? '')) {
    const eq = line.indexOf('=');
    if (eq > 0) meta.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const timeoutMode = meta.get('timeout');
  const timeoutState: ToolState = timeoutMode === undefined ? 'failed' : timeoutMode === 'none' ? 'absent' : 'ok';
  if (timeoutMode === 'none') addProblem(problems, 'meta', 'warning', 'the host has no `timeout` command: a hung tool could stall its probe');

  const uptimeText = required('uptime');
  const uptime = uptimeText === undefined ? null : safely('uptime', null, () => parseUptime(uptimeText));
  if (uptimeText !== undefined && !uptime) addProblem(problems, 'uptime', 'warning', `/proc/uptime unreadable: ${firstLine(uptimeText)}`);

  const loadText = required('loadavg');
  const load = loadText === undefined ? null : safely('loadavg', null, () => parseLoadavg(loadText));
  if (loadText !== undefined && !load) addProblem(problems, 'loadavg', 'warning', `/proc/loadavg unreadable: ${firstLine(loadText)}`);

  const statText = required('stat');
  const stat = safely('stat', { cpu: null, cpuCount: null, bootTimeSec: null }, () => parseProcStat(statText ?? ''));
  if (statText !== undefined && !stat.cpu) addProblem(problems, 'stat', 'warning', 'no aggregate cpu line in /proc/stat');

  const memText = required('meminfo');
  const mem = safely('meminfo', { memory: null, swap: null }, () => parseMeminfo(memText ?? ''));
  if (memText !== undefined && !mem.memory) addProblem(problems, 'meminfo', 'warning', 'no MemTotal in /proc/meminfo');

  const dfSection = body('df');
  const mounts = dfSection ? safely('df', [], () => parseDf(dfSection.body, problems)) : [];
  if (!dfSection) addProblem(problems, 'df', 'error', 'section df is missing');
  else if (dfSection.rc !== null && TIMED_OUT.has(dfSection.rc)) addProblem(problems, 'df', 'error', 'df timed out (a hung network mount?); the mounts listed are those df printed before');
  else if (dfSection.rc !== null && dfSection.rc !== 0) addProblem(problems, 'df', 'warning', `df exited with status ${dfSection.rc} (some file systems could not be read)`);

  const diskText = required('diskstats');
  const disks = safely('diskstats', new Map<string, DiskCounters>(), () => parseDiskstats(diskText ?? ''));
  const netText = required('netdev');
  const nets = safely('netdev', new Map<string, NetCounters>(), () => parseNetDev(netText ?? ''));

  // temperatures
  const hwmonSection = body('hwmon');
  const hwmon = hwmonSection ? safely('hwmon', [] as Temperature[], () => parseHwmon(hwmonSection.body, problems)) : [];
  if (hwmonSection?.rc !== null && hwmonSection?.rc !== undefined && TIMED_OUT.has(hwmonSection.rc)) addProblem(problems, 'hwmon', 'warning', 'reading hwmon sensors timed out');
  const thermalSection = body('thermal');
  const thermal = thermalSection ? safely('thermal', [] as Temperature[], () => parseThermalZones(thermalSection.body)) : [];
  const sensorsSection = sections.get('sensors');
  const sensorsState = toolState('sensors', sensorsSection, problems, (s) => s.rc === 0 || /No sensors found/i.test(s.body));
  const sensorTemps = sensorsSection && sensorsState === 'ok' ? safely('sensors', [] as Temperature[], () => parseSensors(sensorsSection.body)) : [];
  const temperatures = mergeTemperatures(hwmon, thermal, sensorTemps).slice(0, 256);

  // GPUs
  const gpus: GpuMetrics[] = [];
  const nvidia = sections.get('nvidia');
  const nvidiaState = toolState('nvidia', nvidia, problems, (s) => s.rc === 0);
  if (nvidia && (nvidia.state === 'ran' || nvidia.state === 'cut')) {
    const lines = splitLines(nvidia.body);
    let fields: string[] = [...NVIDIA_BASIC_FIELDS];
    let rest = 0;
    for (; rest < lines.length && rest < 2; rest++) {
      const line = lines[rest]!;
      if (line.startsWith('fields=')) fields = line.slice(7).split(',');
      else if (line.startsWith('fallback=')) {
        if (line.slice(9) !== '') addProblem(problems, 'nvidia', 'info', 'the driver refused part of the GPU field list; the basic list was used');
      } else break;
    }
    const csv = lines.slice(rest).join('\n');
    if (nvidiaState === 'ok') gpus.push(...safely('nvidia', [] as GpuMetrics[], () => parseNvidiaSmiCsv(csv, problems, fields)));
    else if (csv.trim() !== '') addProblem(problems, 'nvidia', 'error', `nvidia-smi: ${firstLine(csv)}`);
  }
  const rocm = sections.get('rocm');
  const rocmState = toolState('rocm', rocm, problems, (s) => s.rc === 0);
  if (rocm && rocmState === 'ok') gpus.push(...safely('rocm', [] as GpuMetrics[], () => parseRocmSmiJson(rocm.body, problems)));
  else if (rocm && rocmState !== 'absent' && rocm.body.trim() !== '') addProblem(problems, 'rocm', 'error', `rocm-smi: ${firstLine(rocm.body)}`);

  // SMART
  const smartSection = sections.get('smart');
  let smartState: ToolState = smartSection?.state === 'absent' ? 'absent' : smartSection?.state === 'skipped' ? 'skipped' : smartSection ? 'ok' : 'failed';
  const smart = smartSection && smartState === 'ok' ? safely('smart', { disks: [], denied: false }, () => parseSmartSection(smartSection.body)) : { disks: [], denied: false };
  if (smart.denied) {
    smartState = 'not-permitted';
    addProblem(problems, 'smart', 'info', 'SMART health needs root or a sudo rule for smartctl that needs no password');
  }
  if (!smartSection) addProblem(problems, 'smart', 'warning', 'section smart is missing');

  // deltas
  const bootTimeSec = stat.bootTimeSec;
  const uptimeSec = uptime?.uptimeSec ?? null;
  const rebooted =
    previous !== undefined &&
    ((bootTimeSec !== null && previous.bootTimeSec !== null && Math.abs(bootTimeSec - previous.bootTimeSec) > BOOT_TIME_SLACK_SEC) ||
      (uptimeSec !== null && previous.uptimeSec !== null && uptimeSec < previous.uptimeSec));
  const elapsedSec = !previous || rebooted ? null : elapsed(previous, uptimeSec, nowMs);
  const cpuRates = cpuPercents(stat.cpu, rebooted ? null : (previous?.cpu ?? null));
  const diskRates = rates(disks, elapsedSec === null ? undefined : previous?.disks, elapsedSec, diskRate, problems, 'diskstats');
  const netRates = rates(nets, elapsedSec === null ? undefined : previous?.nets, elapsedSec, netRate, problems, 'netdev');
  if (rebooted) addProblem(problems, 'stat', 'info', 'the host rebooted since the previous probe');

  const durationMs = done && done.uptime0 !== null && done.uptime1 !== null && done.uptime1 >= done.uptime0 ? Math.round((done.uptime1 - done.uptime0) * 1000) : null;

  const metrics: HostMetrics = {
    atMs: nowMs,
    hostname: nonEmpty(meta.get('hostname'), 253),
    kernel: nonEmpty(meta.get('kernel'), 256),
    uptimeSec,
    bootTimeSec,
    rebooted,
    load1: load?.load1 ?? null,
    load5: load?.load5 ?? null,
    load15: load?.load15 ?? null,
    cpu: { count: stat.cpuCount, ...cpuRates },
    temperatures,
    cpuTempC: cpuTemperature(temperatures),
    memory: mem.memory,
    swap: mem.swap,
    mounts: mounts.slice(0, 512),
    disks: diskRates.slice(0, 512),
    networks: netRates.slice(0, 512),
    gpus: gpus.slice(0, 64),
    smart: { state: smartState, disks: smart.disks.slice(0, 256) },
    tools: { timeout: timeoutState, sensors: sensorsState, nvidiaSmi: nvidiaState, rocmSmi: rocmState, smartctl: smartState },
    probeDurationMs: durationMs,
    roundTripMs: options.roundTripMs ?? null,
    problems,
  };
  const sample: ProbeSample = {
    atMs: nowMs,
    uptimeSec,
    bootTimeSec,
    cpu: stat.cpu,
    disks: Object.fromEntries(disks),
    nets: Object.fromEntries(nets),
  };
  return { metrics, sample };
}

function nonEmpty(v: string | undefined, max: number): string | null {
  return v === undefined || v === '' ? null : v.slice(0, max);
}

function toolState(name: string, s: ProbeSection | undefined, problems: ProbeProblem[], ok: (s: ProbeSection) => boolean): ToolState {
  if (!s) {
    addProblem(problems, name, 'warning', `section ${name} is missing`);
    return 'failed';
  }
  if (s.state === 'absent') return 'absent';
  if (s.state === 'skipped') return 'skipped';
  if (s.state === 'cut') return 'failed';
  if (s.rc !== null && TIMED_OUT.has(s.rc)) {
    addProblem(problems, name, 'error', `${name} timed out`);
    return 'timed-out';
  }
  return ok(s) ? 'ok' : 'failed';
}

/** Seconds between two probes: from the host's own uptime when both have it (no network jitter). */
function elapsed(previous: ProbeSample, uptimeSec: number | null, nowMs: number): number | null {
  if (uptimeSec !== null && previous.uptimeSec !== null && uptimeSec > previous.uptimeSec) return uptimeSec - previous.uptimeSec;
  const sec = (nowMs - previous.atMs) / 1000;
  return sec > 0 ? sec : null;
}

function cpuPercents(cur: CpuTimes | null, prev: CpuTimes | null): { usePercent: number | null; iowaitPercent: number | null; stealPercent: number | null } {
  const none = { usePercent: null, iowaitPercent: null, stealPercent: null };
  if (!cur || !prev) return none;
  const d = (k: keyof CpuTimes) => cur[k] - prev[k];
  const keys = Object.keys(cur) as (keyof CpuTimes)[];
  if (keys.some((k) => d(k) < 0)) return none;
  const total = cpuTotal(cur) - cpuTotal(prev);
  if (total <= 0) return none;
  const pct = (n: number) => round(Math.min(100, Math.max(0, (n / total) * 100)), 1);
  return { usePercent: pct(total - d('idle') - d('iowait')), iowaitPercent: pct(d('iowait')), stealPercent: pct(d('steal')) };
}

type Delta<C> = (cur: C, prev: C, sec: number) => { values: Record<string, number | null>; reset: boolean };

function rates<C, R>(
  current: Map<string, C>,
  previous: Record<string, C> | undefined,
  sec: number | null,
  make: (name: string, d: ReturnType<Delta<C>> | null) => R,
  problems: ProbeProblem[],
  section: string,
): R[] {
  const out: R[] = [];
  const resets: string[] = [];
  for (const [name, cur] of current) {
    const prev = previous?.[name];
    if (!prev || sec === null) {
      out.push(make(name, null));
      continue;
    }
    const d = delta(cur as Record<string, number>, prev as Record<string, number>, sec);
    if (d.reset) resets.push(name);
    out.push(make(name, d));
  }
  if (resets.length > 0) addProblem(problems, section, 'info', `counters went backwards (reset) for ${resets.slice(0, 10).join(', ')}`);
  return out;
}

function delta(cur: Record<string, number>, prev: Record<string, number>, sec: number): { values: Record<string, number | null>; reset: boolean } {
  const values: Record<string, number | null> = {};
  let reset = false;
  for (const key of Object.keys(cur)) {
    const p = prev[key];
    const c = cur[key]!;
    const inc = p === undefined ? null : counterDelta(c, p);
    if (inc === null) reset = true;
    values[key] = inc === null ? null : inc / sec;
  }
  return { values, reset };
}

function perSec(v: number | null | undefined, factor = 1): number | null {
  return v === null || v === undefined ? null : round(v * factor, 1);
}

function diskRate(device: string, d: { values: Record<string, number | null> } | null): DiskRate {
  const v = d?.values ?? {};
  const io = v.ioMs;
  return {
    device,
    readBytesPerSec: perSec(v.readSectors, 512),
    writeBytesPerSec: perSec(v.writeSectors, 512),
    readOpsPerSec: perSec(v.reads),
    writeOpsPerSec: perSec(v.writes),
    busyPercent: io === null || io === undefined ? null : round(Math.min(100, io / 10), 1),
  };
}

function netRate(iface: string, d: { values: Record<string, number | null> } | null): NetRate {
  const v = d?.values ?? {};
  const errs = [v.rxErrors, v.rxDrops, v.txErrors, v.txDrops];
  return {
    iface,
    rxBytesPerSec: perSec(v.rxBytes),
    txBytesPerSec: perSec(v.txBytes),
    rxPacketsPerSec: perSec(v.rxPackets),
    txPacketsPerSec: perSec(v.txPackets),
    errorsPerSec: errs.some((e) => e === null || e === undefined) ? null : perSec(errs.reduce<number>((a, b) => a + (b ?? 0), 0)),
  };
}
