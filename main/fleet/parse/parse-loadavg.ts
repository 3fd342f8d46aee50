import { parseNumber } from './parse-util';

export interface LoadAverage {
  load1: number;
  load5: number;
  load15: number;
  running: number | null;
  threads: number | null;
}

/** /proc/loadavg: "1.31 0.95 0.60 2/132 16663". */
export function parseLoadavg(text: string): LoadAverage | null {
  const [a, b, c, rt] = text.trim().split(/\s+/);
  const load1 = parseNumber(a);
  const load5 = parseNumber(b);
  const load15 = parseNumber(c);
  if (load1 === null || load5 === null || load15 === null) return null;
  const [r, t] = (rt ?? '').split('/');
  return { load1, load5, load15, running: parseNumber(r), threads: parseNumber(t) };
}
