import type { ProbeProblem } from '../../contract/fleet';

/** Problems of one probe: at most this many are kept (the rest are counted in the last one). */
export const MAX_PROBLEMS = 200;
const MAX_MESSAGE = 1000;

export type ProblemSeverity = ProbeProblem['severity'];

/** Records a problem; never throws. */
export function addProblem(list: ProbeProblem[], section: string, severity: ProblemSeverity, message: string): void {
  if (list.length > MAX_PROBLEMS) return;
  if (list.length === MAX_PROBLEMS) {
    list.push({ section: 'probe', severity: 'warning', message: 'more problems were left out' });
    return;
  }
  list.push({ section: section.slice(0, 32), severity, message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message });
}

const DECIMAL = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** A decimal number, or null when the text is not exactly one (no NaN, no partial parses). */
export function parseNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  if (!DECIMAL.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** A non-negative integer counter (as /proc prints them), or null. */
export function parseCounter(text: string | undefined): number | null {
  if (text === undefined || !/^\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** First line of a text, trimmed and shortened, for problem messages. */
export function firstLine(text: string, max = 200): string {
  const line = text.trim().split('\n', 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function splitLines(text: string): string[] {
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}
