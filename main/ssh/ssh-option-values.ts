import { AppError } from '../contract/errors';

/** Value parsers shared by ssh_config and `ssh -o`, with OpenSSH's syntax. */

const TIME_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * OpenSSH time values (convtime): a number of seconds, or concatenated `<n><unit>` with units
 * s, m, h, d, w in either case, e.g. `90`, `1m30s`, `2h`.
 */
export function parseSshTime(text: string, what: string): number {
  const t = text.trim();
  if (!/^(?:[0-9]+[smhdwSMHDW]?)+$/.test(t)) throw new AppError('INVALID_INPUT', `bad time value ${JSON.stringify(text)} for ${what}`);
  let total = 0;
  for (const m of t.matchAll(/([0-9]+)([smhdwSMHDW]?)/g)) total += Number(m[1]) * TIME_UNITS[m[2]!.toLowerCase()]!;
  if (!Number.isSafeInteger(total) || total > 2 ** 31 - 1) throw new AppError('INVALID_INPUT', `time value ${JSON.stringify(text)} for ${what} is too large`);
  return total;
}

/** A non-negative decimal integer (e.g. ServerAliveCountMax). */
export function parseSshCount(text: string, what: string): number {
  const t = text.trim();
  if (!/^[0-9]{1,9}$/.test(t)) throw new AppError('INVALID_INPUT', `bad number ${JSON.stringify(text)} for ${what}`);
  return Number(t);
}

/** Splits an option line into keyword and value: `Key Value`, `Key=Value` or `Key = Value`. */
export function splitOptionLine(text: string): { keyword: string; value: string } | undefined {
  const m = /^\s*([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+)(.*?)\s*$/s.exec(text);
  if (!m) return undefined;
  return { keyword: m[1]!, value: m[2]! };
}

/**
 * Splits an option value into arguments like OpenSSH's argv_split: blanks separate, "double" and
 * 'single' quotes group, backslash escapes a quote or backslash; an unquoted `#` starting a word
 * begins a comment. Throws INVALID_INPUT on an unterminated quote.
 */
export function splitOptionArgs(text: string): string[] {
  const args: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i]!)) i++;
    if (i >= n || text[i] === '#') break;
    let arg = '';
    let quote: string | undefined;
    for (; i < n; i++) {
      const c = text[i]!;
      if (quote === undefined && /\s/.test(c)) break;
      if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === "'" || text[i + 1] === '\\' || (quote === undefined && text[i + 1] === ' '))) {
        arg += text[++i];
      } else if (quote === undefined && (c === '"' || c === "'")) {
        quote = c;
      } else if (c === quote) {
        quote = undefined;
      } else {
        arg += c;
      }
    }
    if (quote !== undefined) throw new AppError('INVALID_INPUT', `unterminated quote in ${JSON.stringify(text)}`);
    args.push(arg);
  }
  return args;
}

/** yes/no style flags as OpenSSH spells them (true/false too). */
export function parseYesNo(text: string): boolean | undefined {
  const v = text.trim().toLowerCase();
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  return undefined;
}
