import type { ProbeProblem, Temperature } from '../../contract/fleet';
import { addProblem, parseNumber, splitLines } from './parse-util';

type Kind = Temperature['kind'];

const CPU_CHIPS = /^(coretemp|k10temp|k8temp|zenpower|via_cputemp|cpu[-_]?thermal|cpu\d*[-_]thermal|soc[-_]thermal|x86_pkg_temp|cputemp|tctl)/i;
const GPU_CHIPS = /^(amdgpu|radeon|nouveau|nvidia|gpu[-_]?thermal)/i;
const DISK_CHIPS = /^(nvme|drivetemp|sata|hdd)/i;
const BOARD_CHIPS = /^(acpitz|pch_|nct\d|it8\d|w83|f71|asus|dell|thinkpad|sch5|lm\d|adt|tmp\d|jc42|iwlwifi|mlx|bnxt|i350|igb|ixgbe)/i;

/** What a sensor measures, from its chip name (hwmon name, thermal zone type or sensors chip). */
export function classifyChip(chip: string): Kind {
  if (CPU_CHIPS.test(chip)) return 'cpu';
  if (GPU_CHIPS.test(chip)) return 'gpu';
  if (DISK_CHIPS.test(chip)) return 'disk';
  if (BOARD_CHIPS.test(chip)) return 'board';
  return 'other';
}

/** Unconnected inputs read as -128 °C, 0xffff/1000 or absurd values; anything outside this is noise. */
function plausible(c: number): boolean {
  return c > -40 && c < 150;
}

function milli(text: string | undefined): number | null {
  const v = parseNumber(text);
  return v === null ? null : v / 1000;
}

/** The probe's hwmon rows: "hwmonN\tname\ttempX\tinput\tmax\tcrit\tlabel" (millidegrees). */
export function parseHwmon(text: string, problems: ProbeProblem[]): Temperature[] {
  const out: Temperature[] = [];
  let unreadable = 0;
  for (const line of splitLines(text)) {
    if (line.trim() === '') continue;
    const [dir, name, attr, input, max, crit, ...label] = line.split('\t');
    const celsius = milli(input);
    if (celsius === null || !plausible(celsius)) {
      if (input === '' || celsius === null) unreadable++;
      continue;
    }
    const chip = name && name !== '' ? name : (dir ?? 'hwmon');
    const l = label.join('\t').trim();
    out.push({ source: 'hwmon', chip, label: l !== '' ? l : (attr ?? 'temp'), kind: classifyChip(chip), celsius, maxC: milli(max), critC: milli(crit) });
  }
  if (unreadable > 0) addProblem(problems, 'hwmon', 'info', `${unreadable} hwmon temperature input(s) could not be read`);
  return out;
}

/** The probe's thermal zone rows: "thermal_zoneN\ttype\ttemp" (millidegrees). */
export function parseThermalZones(text: string): Temperature[] {
  const out: Temperature[] = [];
  for (const line of splitLines(text)) {
    const [zone, type, temp] = line.split('\t');
    const celsius = milli(temp);
    if (!zone || celsius === null || !plausible(celsius)) continue;
    const chip = type && type.trim() !== '' ? type.trim() : zone;
    out.push({ source: 'thermal', chip, label: zone, kind: classifyChip(chip), celsius, maxC: null, critC: null });
  }
  return out;
}

/**
 * `sensors -u` (lm-sensors): a chip line ("coretemp-isa-0000"), "Adapter: ...", then per feature
 * a label line ("Package id 0:") and indented "  temp1_input: 45.000" subfeatures. Only
 * temperatures are taken. "No sensors found!" is not a problem: the tool works, there is nothing.
 */
export function parseSensors(text: string): Temperature[] {
  const out: Temperature[] = [];
  let chip = '';
  let label = '';
  let current: Temperature | undefined;
  for (const line of splitLines(text)) {
    if (line.trim() === '') {
      chip = '';
      current = undefined;
      continue;
    }
    const indented = /^\s/.test(line);
    if (!indented) {
      if (line.startsWith('Adapter:')) continue;
      if (line.endsWith(':')) {
        label = line.slice(0, -1).trim();
        current = undefined;
      } else if (!line.includes(':')) {
        chip = line.trim();
        current = undefined;
      }
      continue;
    }
    const m = /^\s+(temp\d+)_(input|max|crit):\s+(\S+)\s*$/.exec(line);
    if (!m || chip === '') continue;
    const value = parseNumber(m[3]);
    if (value === null) continue;
    if (m[2] === 'input') {
      if (!plausible(value)) {
        current = undefined;
        continue;
      }
      current = { source: 'sensors', chip, label: label || m[1]!, kind: classifyChip(chip), celsius: value, maxC: null, critC: null };
      out.push(current);
    } else if (current) {
      if (m[2] === 'max') current.maxC = value;
      else current.critC = value;
    }
  }
  return out;
}

/**
 * One list without the same sensor three times: hwmon rows always; thermal zones whose type is not
 * already a hwmon chip (modern kernels register every zone as hwmon too); `sensors` rows only when
 * sysfs gave nothing (libsensors reads the same files).
 */
export function mergeTemperatures(hwmon: Temperature[], thermal: Temperature[], sensors: Temperature[]): Temperature[] {
  const chips = new Set(hwmon.map((t) => t.chip));
  const merged = [...hwmon, ...thermal.filter((t) => !chips.has(t.chip))];
  return merged.length > 0 ? merged : sensors;
}

/** The hottest CPU sensor, or null. */
export function cpuTemperature(temps: Temperature[]): number | null {
  let best: number | null = null;
  for (const t of temps) if (t.kind === 'cpu' && (best === null || t.celsius > best)) best = t.celsius;
  return best;
}
