import type { ByteQuantity } from '../contract/miners';
import { formatGoG } from './go-format';

/**
 * Byte sizes as lotus prints them (chain/types/bigint.go): SizeStr "%.4g %s" with binary units and a
 * space ("12.44 TiB", "0 B"), DeciStr "%.3g %s" with units without the B for QA power ("23.7 Ti",
 * "1.02e+03 Ti"), and docker/go-units BytesSize "%.4g%s" without a space ("32GiB", "1.853KiB").
 */

const SIZE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB'] as const;
const DECI_UNITS = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi'] as const;
const GO_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] as const;

function scaled(bytes: bigint | number, unitCount: number): [number, number] {
  let f = typeof bytes === 'bigint' ? Number(bytes) : bytes;
  let i = 0;
  while (f >= 1024 && i + 1 < unitCount) {
    i++;
    f /= 1024;
  }
  return [f, i];
}

/** types.SizeStr: "12.44 TiB". */
export function formatSizeStr(bytes: bigint | number): string {
  const [f, i] = scaled(bytes, SIZE_UNITS.length);
  return `${formatGoG(f, 4)} ${SIZE_UNITS[i]}`;
}

/** types.DeciStr (trimmed; lotus prints "0 " for zero): "23.7 Ti". */
export function formatDeciStr(qaBytes: bigint | number): string {
  const [f, i] = scaled(qaBytes, DECI_UNITS.length);
  return `${formatGoG(f, 3)} ${DECI_UNITS[i]}`.trim();
}

/** docker/go-units BytesSize: "32GiB". */
export function formatGoUnitsBytes(bytes: bigint | number): string {
  const [f, i] = scaled(bytes, GO_UNITS.length);
  return `${formatGoG(f, 4)}${GO_UNITS[i]}`;
}

export type SizeStyle = 'size' | 'deci';

/** An exact ByteQuantity from an integer (API values). */
export function bytesFromInteger(value: bigint | number | string, style: SizeStyle = 'size'): ByteQuantity | undefined {
  let v: bigint;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined;
    v = BigInt(Math.round(value));
  } else {
    if (!/^\d{1,40}$/.test(value)) return undefined;
    v = BigInt(value);
  }
  if (v < 0n) return undefined;
  return { bytes: v.toString(), text: style === 'deci' ? formatDeciStr(v) : formatSizeStr(v), exact: true };
}

const UNIT_POWER: Record<string, number> = {
  '': 0,
  b: 0,
  k: 1, ki: 1, kib: 1, kb: 1,
  m: 2, mi: 2, mib: 2, mb: 2,
  g: 3, gi: 3, gib: 3, gb: 3,
  t: 4, ti: 4, tib: 4, tb: 4,
  p: 5, pi: 5, pib: 5, pb: 5,
  e: 6, ei: 6, eib: 6, eb: 6,
  z: 7, zi: 7, zib: 7, zb: 7,
  y: 8, yi: 8, yib: 8, yb: 8,
};

/**
 * Reads a size as lotus prints it ("12.44 TiB", "23.7 Ti", "1.02e+03 Ti", "32GiB", "0 B", "0").
 * Units are binary (lotus never prints decimal KB/MB; "KB" is read as KiB). Returns a quantity
 * without bytes for a number with an unknown unit, undefined when the text is not a size.
 */
export function parseByteSize(text: string): ByteQuantity | undefined {
  const t = text.trim().slice(0, 128);
  const m = /^(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)$/.exec(t);
  if (!m) return undefined;
  const num = Number(m[1]);
  const power = UNIT_POWER[m[2]!.toLowerCase()];
  if (power === undefined || !Number.isFinite(num)) return { text: t, exact: false };
  const bytes = num * 1024 ** power;
  // Beyond 10^36 bytes it is not a size lotus printed: keep the text only.
  if (!Number.isFinite(bytes) || bytes > 1e36) return { text: t, exact: false };
  return { bytes: BigInt(Math.round(bytes)).toString(), text: t, exact: false };
}

/** Bytes of a quantity as a JS number (approximate above 2^53), or undefined. */
export function quantityNumber(q: ByteQuantity | undefined): number | undefined {
  return q?.bytes === undefined ? undefined : Number(q.bytes);
}
