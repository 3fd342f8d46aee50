/** Tolerant readers for lotus JSON results: wrong types give undefined, never an exception. */

export type Json = Record<string, unknown>;

export function obj(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

export function arr(v: unknown): unknown[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A non-negative safe integer. */
export function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

export function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

export function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** A big integer sent as a decimal string (attoFIL, power) or a safe number. */
export function big(v: unknown): bigint | undefined {
  if (typeof v === 'string' && /^-?\d{1,78}$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  return undefined;
}

export function strings(v: unknown, max = 256): string[] {
  return (arr(v) ?? []).filter((x): x is string => typeof x === 'string').slice(0, max);
}

/**
 * Go's time.Time in JSON (RFC 3339 with up to 9 fraction digits) to unix ms with the sub-ms
 * fraction kept; undefined for the zero time (0001-01-01…) or bad text.
 */
export function goTimeMs(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[-+]\d{2}:\d{2})$/.exec(v);
  if (!m) return undefined;
  if (m[1]!.startsWith('0001-01-01')) return undefined;
  const base = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(base)) return undefined;
  return base + (m[2] ? Number(`0.${m[2]}`) * 1000 : 0);
}

/** Number of set bits in a go-bitfield JSON (RLE+ runs, first run of zeros): [0] = empty, [5,3] = 3 bits. */
export function bitfieldCount(v: unknown): number | undefined {
  const runs = arr(v);
  if (!runs) return undefined;
  let n = 0;
  for (let i = 0; i < runs.length; i++) {
    const r = count(runs[i]);
    if (r === undefined) return undefined;
    if (i % 2 === 1) n += r;
  }
  return n;
}
