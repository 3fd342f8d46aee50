import { parseNumber } from './parse-util';

/**
 * A GPU tool value: a number, or null with the reason. nvidia-smi prints "[N/A]" and
 * "[Not Supported]" for fields a product lacks (normal), and other bracketed tokens such as
 * "[Unknown Error]", "[GPU is lost]", "[Insufficient Permissions]" when something is wrong.
 */
export type GpuValue = { ok: true; value: number } | { ok: false; token: string; severity: 'info' | 'warning' | 'error' };

const UNITS = / ?(W|%|MiB|MHz|C|RPM)$/;

export function gpuNumber(raw: string | undefined): GpuValue {
  const text = (raw ?? '').trim();
  if (text === '') return { ok: false, token: 'empty', severity: 'warning' };
  const bracket = /^\[(.*)\]$/.exec(text);
  const token = bracket ? bracket[1]!.trim() : text;
  if (/^(N\/A|Not Supported|Not Available)/i.test(token)) return { ok: false, token: text, severity: 'info' };
  if (bracket) return { ok: false, token: text, severity: /GPU is lost|Unknown Error/i.test(token) ? 'error' : 'warning' };
  const n = parseNumber(text.replace(UNITS, ''));
  if (n === null) return { ok: false, token: text, severity: 'warning' };
  return { ok: true, value: n };
}
