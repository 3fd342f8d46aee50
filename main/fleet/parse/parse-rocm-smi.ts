import type { GpuMetrics, ProbeProblem } from '../../contract/fleet';
import { addProblem, firstLine } from './parse-util';
import { gpuNumber } from './gpu-value';

/**
 * `rocm-smi --showtemp --showuse --showpower --showfan --json`: one JSON object keyed "card0",
 * "card1", ... whose values are all strings under human labels. Sensors that read N/A are left out
 * by rocm-smi; a fanless card has no fan keys; a secondary die says "N/A (Secondary die)" for power.
 * Warnings printed before the JSON are skipped. Never throws.
 */
export function parseRocmSmiJson(text: string, problems: ProbeProblem[]): GpuMetrics[] {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end < start) {
    if (text.trim() !== '') addProblem(problems, 'rocm', 'error', `rocm-smi: ${firstLine(text)}`);
    return [];
  }
  let data: unknown;
  try {
    data = JSON.parse(text.slice(start, end + 1));
  } catch {
    addProblem(problems, 'rocm', 'error', 'rocm-smi printed JSON that does not parse');
    return [];
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    addProblem(problems, 'rocm', 'error', 'rocm-smi JSON is not an object of cards');
    return [];
  }
  const cards = Object.entries(data as Record<string, unknown>)
    .map(([key, value]) => ({ index: /^card(\d+)$/.exec(key)?.[1], value }))
    .filter((c): c is { index: string; value: unknown } => c.index !== undefined)
    .sort((a, b) => Number(a.index) - Number(b.index));
  const gpus: GpuMetrics[] = [];
  for (const card of cards) {
    const index = Number(card.index);
    const fields = typeof card.value === 'object' && card.value !== null ? (card.value as Record<string, unknown>) : {};
    const notes: string[] = [];
    const num = (...keys: string[]): number | null => {
      for (const key of keys) {
        const raw = fields[key];
        if (raw === undefined) continue;
        const v = gpuNumber(typeof raw === 'string' ? raw : String(raw));
        if (v.ok) return v.value;
        notes.push(`${key}: ${v.token}`);
        return null;
      }
      return null;
    };
    const edge = num('Temperature (Sensor edge) (C)');
    const junction = num('Temperature (Sensor junction) (C)');
    gpus.push({
      vendor: 'amd',
      index,
      name: null,
      uuid: null,
      busId: null,
      temperatureC: edge ?? junction,
      hotspotC: junction,
      memoryTempC: num('Temperature (Sensor memory) (C)'),
      utilizationPercent: num('GPU use (%)'),
      memoryUtilizationPercent: num('GPU memory use (%)', 'GPU Memory Allocated (VRAM%)'),
      memoryUsedMiB: null,
      memoryTotalMiB: null,
      powerDrawW: num('Average Graphics Package Power (W)', 'Current Socket Graphics Package Power (W)'),
      powerLimitW: num('Max Graphics Package Power (W)'),
      fanPercent: num('Fan speed (%)'),
      clockSmMHz: null,
      clockMemMHz: null,
      pstate: null,
      throttleReasons: null,
    });
    if (notes.length > 0) addProblem(problems, 'rocm', 'info', `card${index}: no value for ${notes.join(', ')}`);
  }
  return gpus;
}
