import { asText, parseCounter, problem, splitLines, type ParseProblem, type ParseResult } from './parse-result';

/**
 * `virsh domblkstat <dom> <dev>` and `virsh domifstat <dom> <if>`: "<device> <field> <value>"
 * per line (the device as given, which may hold spaces: it is everything before the last two
 * words). domblkstat fields: rd_req, rd_bytes, wr_req, wr_bytes, flush_operations,
 * rd_total_times, wr_total_times, flush_total_times, errs; domifstat: rx_bytes, rx_packets,
 * rx_errs, rx_drop, tx_*. A value of -1 (not supported by the hypervisor) is left out.
 */

export interface DeviceStats {
  /** The device name as printed (null when there were no lines). */
  device: string | null;
  stats: Record<string, number>;
}

function parseDeviceStats(input: unknown, what: string): ParseResult<DeviceStats> {
  const raw = asText(input);
  const problems: ParseProblem[] = [];
  const value: DeviceStats = { device: null, stats: Object.create(null) as Record<string, number> };
  splitLines(raw).forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^(.+) ([A-Za-z0-9_.]+) (-?\d+)\s*$/.exec(line);
    if (!m) {
      problems.push(problem(i + 1, `a ${what} line that is not "<device> <field> <number>"`, line));
      return;
    }
    const device = m[1]!;
    if (value.device === null) value.device = device;
    else if (value.device !== device) problems.push(problem(i + 1, `a line for another device "${device}"`, line));
    if (m[3] === '-1') return;
    const n = parseCounter(m[3]!);
    if (n === undefined) {
      problems.push(problem(i + 1, 'unreadable counter', line));
      return;
    }
    value.stats[m[2]!] = n;
  });
  return { value, problems, raw };
}

export function parseDomblkstat(input: unknown): ParseResult<DeviceStats> {
  return parseDeviceStats(input, 'domblkstat');
}

export function parseDomifstat(input: unknown): ParseResult<DeviceStats> {
  return parseDeviceStats(input, 'domifstat');
}
