/**
 * What every virsh output parser returns: what it could read, what it could not (problems, with
 * the line), and the raw text. Parsers never throw on bad input.
 */
export interface ParseProblem {
  /** 1-based line number in `raw`, or null for the text as a whole. */
  line: number | null;
  message: string;
  /** The offending line (shortened). */
  text?: string;
}

export interface ParseResult<T> {
  value: T;
  problems: ParseProblem[];
  raw: string;
}

const MAX_TEXT = 300;

export function problem(line: number | null, message: string, text?: string): ParseProblem {
  const p: ParseProblem = { line, message };
  if (text !== undefined) p.text = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
  return p;
}

/** Lines without their line ends (\n or \r\n); a final empty line from the trailing newline is dropped. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Coerces anything to a string so a parser given a non-string (bad caller) still does not throw. */
export function asText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (input === undefined || input === null) return '';
  if (input instanceof Uint8Array) return Buffer.from(input).toString('utf8');
  return String(input);
}

const UINT = /^\d+$/;

/** A non-negative integer that is exactly representable, or undefined. */
export function parseUint(text: string): number | undefined {
  const t = text.trim();
  if (!UINT.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A non-negative integer of any size (64-bit counters), or undefined. */
export function parseBigUint(text: string): bigint | undefined {
  const t = text.trim();
  if (!UINT.test(t)) return undefined;
  return BigInt(t);
}

/** An unsigned counter as a number: exact up to 2^53, approximate above (fine for rates). */
export function parseCounter(text: string): number | undefined {
  const t = text.trim();
  if (!UINT.test(t)) return undefined;
  return Number(t);
}

/** A finite decimal number (`%f`, `1843201.3`), or undefined. */
export function parseDecimal(text: string): number | undefined {
  const t = text.trim();
  if (!/^-?\d+(\.\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}
