import type { FilAmount } from '../contract/miners';

/**
 * FIL amounts as lotus prints them (chain/types/fil.go). `FIL.Short()`: below 1000 attoFIL "a",
 * then f, p, n, μ, m, then no prefix; the value divided by that unit, rounded half away from zero
 * to 3 decimals, trailing zeros and "." trimmed; exact zero prints "0" without a unit.
 */

const PREFIXES = ['a', 'f', 'p', 'n', 'μ', 'm'] as const;
const ATTO_PER_FIL = 10n ** 18n;

export function formatFilShort(atto: bigint): string {
  if (atto === 0n) return '0';
  const neg = atto < 0n;
  const abs = neg ? -atto : atto;
  let dn = 1n;
  let prefix = '';
  let found = false;
  for (const p of PREFIXES) {
    if (abs < dn * 1000n) {
      prefix = p;
      found = true;
      break;
    }
    dn *= 1000n;
  }
  if (!found) {
    dn = ATTO_PER_FIL;
    prefix = '';
  }
  return `${neg ? '-' : ''}${decimalString(abs, dn, 3)} ${prefix}FIL`;
}

/** `FIL.String()`: up to 18 decimals, trimmed, " FIL"; zero is "0 FIL". */
export function formatFilFull(atto: bigint): string {
  const neg = atto < 0n;
  const abs = neg ? -atto : atto;
  return `${neg ? '-' : ''}${decimalString(abs, ATTO_PER_FIL, 18)} FIL`;
}

/** abs/den rounded half away from zero to `places` decimals, trailing zeros and point trimmed. */
function decimalString(abs: bigint, den: bigint, places: number): string {
  const scale = 10n ** BigInt(places);
  let q = (abs * scale) / den;
  const r = (abs * scale) % den;
  if (r * 2n >= den) q += 1n;
  const whole = q / scale;
  const frac = (q % scale).toString().padStart(places, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole.toString();
}

/** An exact FilAmount from an attoFIL integer (API values). */
export function filFromAtto(atto: bigint | string | number): FilAmount | undefined {
  const value = toBigInt(atto);
  if (value === undefined) return undefined;
  return { atto: value.toString(), text: formatFilShort(value), exact: true };
}

function toBigInt(v: bigint | string | number): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (!/^-?\d{1,78}$/.test(v)) return undefined;
  return BigInt(v);
}

/** Unit exponents (powers of ten of attoFIL). "u" and U+00B5 are accepted as μ. */
const UNIT_EXP: Record<string, number> = { a: 0, f: 3, p: 6, n: 9, 'μ': 12, 'µ': 12, u: 12, m: 15, '': 18 };
const LONG_UNITS: Record<string, number> = { atto: 0, femto: 3, pico: 6, nano: 9, micro: 12, milli: 15 };

/**
 * Reads an amount as lotus prints it: "244.058 mFIL", "0", "100 aFIL", "-1.5 FIL",
 * "7.243937889909999 FIL", "1 attoFIL". Returns the text with atto read back (not exact), a
 * FilAmount without atto for a number with an unknown unit (e.g. "3 kFIL"), or undefined when
 * the text is not an amount at all.
 */
export function parseFilAmount(text: string): FilAmount | undefined {
  const t = text.trim().slice(0, 128);
  if (t === '') return undefined;
  const m = /^([-+]?)(\d+)(?:\.(\d+))?(?:\s*([A-Za-zμµ]*?)\s*FIL)?$/.exec(t);
  if (!m) {
    // A number with some other unit: keep the text so nothing is dropped.
    if (/^[-+]?\d+(?:\.\d+)?\s*\S+$/.test(t)) return { text: t, exact: false };
    return undefined;
  }
  const [, sign, whole, frac = '', unitRaw] = m;
  if (whole!.length > 40) return { text: t, exact: false };
  let exp: number | undefined;
  if (unitRaw === undefined) exp = whole === '0' && frac.replace(/0/g, '') === '' ? 18 : undefined;
  else exp = UNIT_EXP[unitRaw] ?? LONG_UNITS[unitRaw.toLowerCase()];
  if (exp === undefined) return { text: t, exact: false };
  const atto = scaleDecimal(whole!, frac, exp);
  const value = sign === '-' ? -atto : atto;
  return { atto: value.toString(), text: t, exact: false };
}

/** whole.frac × 10^exp rounded half away from zero to an integer. */
function scaleDecimal(whole: string, frac: string, exp: number): bigint {
  const digits = whole + frac.slice(0, exp).padEnd(exp, '0');
  let v = BigInt(digits);
  const next = frac[exp];
  if (next !== undefined && next >= '5') v += 1n;
  return v;
}
