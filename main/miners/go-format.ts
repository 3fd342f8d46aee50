/**
 * Go's number and duration formatting, as lotus prints values: `%.4g`-style floats
 * (strconv 'g' with a precision: trailing zeros dropped, exponent form "1.02e+03" when the
 * exponent is < -4 or ≥ the precision) and time.Duration.String() ("3h2m41.3s", "700µs").
 */

/** fmt.Sprintf("%.<precision>g", value) as Go prints it. */
export function formatGoG(value: number, precision: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  const prec = Math.max(1, Math.min(21, Math.trunc(precision)));
  const neg = value < 0 || Object.is(value, -0);
  const abs = Math.abs(value);
  let digits: string;
  let dp: number;
  if (abs === 0) {
    digits = '';
    dp = 0;
  } else {
    const r = roundSignificant(abs, prec);
    digits = r.digits.replace(/0+$/, '');
    dp = r.exp + 1;
  }
  const nd = digits.length;
  let eprec = prec;
  if (eprec > nd && nd >= dp) eprec = nd;
  const exp = dp - 1;
  const sign = neg && abs !== 0 ? '-' : '';
  if (exp < -4 || exp >= eprec) {
    const p = Math.min(prec, nd);
    const first = digits[0] ?? '0';
    const rest = digits.slice(1, p);
    const e = nd === 0 ? 0 : exp;
    const es = `${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
    return `${sign}${first}${rest ? `.${rest}` : ''}e${es}`;
  }
  const p = prec > dp ? nd : prec;
  const decimals = Math.max(p - dp, 0);
  // Integer part: digits before the decimal point (padded with zeros), fraction: the next `decimals`.
  const intPart = dp <= 0 ? '0' : (digits.slice(0, dp) + '0'.repeat(Math.max(0, dp - nd))).replace(/^$/, '0');
  let frac = '';
  for (let i = 0; i < decimals; i++) {
    const idx = dp + i;
    frac += idx >= 0 && idx < nd ? digits[idx] : '0';
  }
  return `${sign}${intPart}${decimals > 0 ? `.${frac}` : ''}`;
}

/**
 * `prec` significant digits of a positive finite double, rounded like Go's strconv (correctly, ties to
 * even on the exact binary value: %.4g of 1.0625 is "1.062"); JavaScript's toExponential rounds ties up.
 */
function roundSignificant(abs: number, prec: number): { digits: string; exp: number } {
  const [mant, e] = abs.toExponential(Math.min(100, prec + 30) - 1).split('e') as [string, string];
  const all = mant.replace('.', '');
  let exp = Number(e);
  let head = all.slice(0, prec);
  const rest = all.slice(prec);
  const first = rest[0] ?? '0';
  const up = first > '5' || (first === '5' && (/[1-9]/.test(rest.slice(1)) || Number(head[head.length - 1]) % 2 === 1));
  if (up) {
    const arr = head.split('').map(Number);
    let i = arr.length - 1;
    while (i >= 0 && arr[i] === 9) arr[i--] = 0;
    if (i >= 0) arr[i]! += 1;
    else {
      arr.unshift(1);
      arr.pop();
      exp += 1;
    }
    head = arr.join('');
  }
  return { digits: head, exp };
}

/** Go's time.Duration.String() for a duration in nanoseconds (rounded to an integer). */
export function formatGoDurationNs(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  let u = Math.round(Math.abs(ns));
  const neg = ns < 0 && u !== 0;
  if (u === 0) return '0s';
  let out: string;
  if (u < 1e9) {
    if (u < 1e3) out = `${u}ns`;
    else if (u < 1e6) out = `${fracDigits(u, 3)}µs`;
    else out = `${fracDigits(u, 6)}ms`;
  } else {
    const sec = fracDigits(u % 60e9, 9);
    u = Math.floor(u / 60e9);
    out = `${sec}s`;
    if (u > 0) {
      out = `${u % 60}m${out}`;
      u = Math.floor(u / 60);
      if (u > 0) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** time.Duration.String() for milliseconds. */
export function formatGoDurationMs(ms: number): string {
  return formatGoDurationNs(ms * 1e6);
}

/** v / 10^prec with the fraction's trailing zeros dropped: fracDigits(1500, 3) = "1.5". */
function fracDigits(v: number, prec: number): string {
  const scale = 10 ** prec;
  const whole = Math.floor(v / scale);
  const frac = v - whole * scale;
  if (frac === 0) return String(whole);
  const f = String(frac).padStart(prec, '0').replace(/0+$/, '');
  return `${whole}.${f}`;
}

const DURATION_UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * Parses a Go duration ("3h2m41.3s", "800ms", "700µs", "-1.5h", "0") to milliseconds; undefined when
 * the text is not a duration (e.g. "n/a").
 */
export function parseGoDurationMs(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') return 0;
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(s);
  if (!m) return undefined;
  let ns = 0;
  for (const part of s.slice(m[1]!.length).matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    ns += Number(part[1]) * DURATION_UNIT_NS[part[2]!]!;
  }
  if (!Number.isFinite(ns)) return undefined;
  const ms = ns / 1e6;
  return m[1] === '-' ? -ms : ms;
}
