import type { GpuMetrics, ProbeProblem } from '../../contract/fleet';
import { addProblem, firstLine, splitLines } from './parse-util';
import { gpuNumber, type GpuValue } from './gpu-value';

/** Aliases nvidia-smi accepts, mapped to the names it prints in a CSV header. */
const CANONICAL: Record<string, string> = {
  gpu_name: 'name',
  gpu_uuid: 'uuid',
  gpu_bus_id: 'pci.bus_id',
  'clocks.sm': 'clocks.current.sm',
  'clocks.mem': 'clocks.current.memory',
  'clocks.gr': 'clocks.current.graphics',
  'clocks_event_reasons.active': 'clocks_throttle_reasons.active',
  'gpu.power.draw.average': 'power.draw.average',
  'gpu.power.requested_limit': 'power.limit',
};

export function canonicalField(field: string): string {
  const f = field.trim().replace(/\s*\[[^\]]*\]$/, '');
  return CANONICAL[f] ?? f;
}

/** NVML clock throttle (event) reason bits (nvml.h nvmlClocksThrottleReason*). */
const THROTTLE_BITS: Array<[number, string]> = [
  [0x1, 'gpu_idle'],
  [0x2, 'applications_clocks_setting'],
  [0x4, 'sw_power_cap'],
  [0x8, 'hw_slowdown'],
  [0x10, 'sync_boost'],
  [0x20, 'sw_thermal_slowdown'],
  [0x40, 'hw_thermal_slowdown'],
  [0x80, 'hw_power_brake_slowdown'],
  [0x100, 'display_clocks_setting'],
];

export function decodeThrottleReasons(text: string): string[] | null {
  const t = text.trim();
  if (!/^0x[0-9a-fA-F]{1,16}$/.test(t)) return null;
  const mask = BigInt(t);
  const out: string[] = [];
  for (const [bit, name] of THROTTLE_BITS) if ((mask & BigInt(bit)) !== 0n) out.push(name);
  const known = THROTTLE_BITS.reduce((m, [bit]) => m | BigInt(bit), 0n);
  if ((mask & ~known) !== 0n) out.push(`0x${(mask & ~known).toString(16)}`);
  return out;
}

/**
 * `nvidia-smi --query-gpu=<fields> --format=csv[,noheader][,nounits]`: one line per GPU, values
 * separated by ", " in the order asked. Give `fields` for noheader output; otherwise the first line
 * must be the header (with or without "[unit]" suffixes; units on values are stripped). A product
 * name containing ", " is put back together by field count. Lines that are not GPU rows (driver
 * errors) become problems. Never throws.
 */
export function parseNvidiaSmiCsv(text: string, problems: ProbeProblem[], fields?: readonly string[]): GpuMetrics[] {
  const lines = splitLines(text).filter((l) => l.trim() !== '');
  let names = fields?.map(canonicalField);
  if (!names) {
    const header = lines[0];
    if (header === undefined || !/(^|, )(index|name|uuid)( \[|,|$)/.test(header)) {
      if (header !== undefined) addProblem(problems, 'nvidia', 'error', `nvidia-smi: ${firstLine(header)}`);
      return [];
    }
    names = header.split(', ').map(canonicalField);
    lines.shift();
  }
  const at = (f: string) => names.indexOf(f);
  const nameIdx = at('name');
  const gpus: GpuMetrics[] = [];
  let badLines = 0;
  for (const line of lines) {
    let parts = line.split(', ');
    if (parts.length > names.length && nameIdx >= 0) {
      const extra = parts.length - names.length;
      parts = [...parts.slice(0, nameIdx), parts.slice(nameIdx, nameIdx + extra + 1).join(', '), ...parts.slice(nameIdx + extra + 1)];
    }
    const indexIdx = at('index');
    if (parts.length !== names.length || (indexIdx >= 0 && !/^\d+$/.test(parts[indexIdx]!.trim()))) {
      badLines++;
      if (badLines <= 3) addProblem(problems, 'nvidia', 'error', `nvidia-smi: ${firstLine(line)}`);
      continue;
    }
    const index = indexIdx >= 0 ? Number(parts[indexIdx]) : gpus.length;
    const unavailable: string[] = [];
    let worst: 'info' | 'warning' | 'error' = 'info';
    const num = (field: string): number | null => {
      const i = at(field);
      if (i < 0) return null;
      const v: GpuValue = gpuNumber(parts[i]);
      if (v.ok) return v.value;
      unavailable.push(`${field} ${v.token}`);
      if (v.severity === 'error' || (v.severity === 'warning' && worst === 'info')) worst = v.severity;
      return null;
    };
    const str = (field: string): string | null => {
      const i = at(field);
      if (i < 0) return null;
      const v = parts[i]!.trim();
      if (/^\[.*\]$/.test(v) || v === '' || v === 'N/A') {
        unavailable.push(`${field} ${v || 'empty'}`);
        if (/GPU is lost|Unknown Error/i.test(v)) worst = 'error';
        return null;
      }
      return v;
    };
    const throttleText = str('clocks_throttle_reasons.active');
    const throttle = throttleText === null ? null : decodeThrottleReasons(throttleText);
    if (throttleText !== null && throttle === null) unavailable.push(`clocks_throttle_reasons.active ${throttleText}`);
    gpus.push({
      vendor: 'nvidia',
      index,
      name: str('name'),
      uuid: str('uuid'),
      busId: str('pci.bus_id'),
      temperatureC: num('temperature.gpu'),
      hotspotC: null,
      memoryTempC: num('temperature.memory'),
      utilizationPercent: num('utilization.gpu'),
      memoryUtilizationPercent: num('utilization.memory'),
      memoryUsedMiB: num('memory.used'),
      memoryTotalMiB: num('memory.total'),
      powerDrawW: num('power.draw'),
      powerLimitW: num('power.limit'),
      fanPercent: num('fan.speed'),
      clockSmMHz: num('clocks.current.sm'),
      clockMemMHz: num('clocks.current.memory'),
      pstate: str('pstate'),
      throttleReasons: throttle,
    });
    if (unavailable.length > 0) addProblem(problems, 'nvidia', worst, `GPU ${index}: no value for ${unavailable.join(', ')}`);
  }
  if (badLines > 3) addProblem(problems, 'nvidia', 'error', `nvidia-smi: ${badLines - 3} more line(s) that are not GPU rows`);
  return gpus;
}
