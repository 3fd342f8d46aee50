import { AppError } from '../../contract/errors';
import type { SyslogFilter, SyslogMessage } from '../../contract/fleet';

export const MAX_REGEX_LENGTH = 256;
/** Unbounded quantifiers allowed in one pattern (each can multiply the work on a failing match). */
export const MAX_UNBOUNDED_QUANTIFIERS = 2;
/** A regular expression is run on at most this many characters of each field. */
export const REGEX_INPUT_LIMIT = 8192;

/**
 * Why a user's regular expression could backtrack catastrophically, or null when it is safe to run
 * on log lines. JavaScript's engine backtracks; a pattern like `(a+)+$` takes exponential time on
 * a line of a's. Refused: backreferences, lookaround, a repeated group that holds a quantifier or
 * an alternation, more than MAX_UNBOUNDED_QUANTIFIERS unbounded quantifiers, overlong patterns.
 */
export function regexRisk(pattern: string): string | null {
  if (pattern.length > MAX_REGEX_LENGTH) return `the pattern is longer than ${MAX_REGEX_LENGTH} characters`;
  // Per open group: does it hold a quantifier or an alternation?
  const stack: Array<{ risky: boolean }> = [{ risky: false }];
  let unbounded = 0;
  let lastGroupRisky = false;
  let lastWasGroup = false;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = pattern[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(n) || n === 'k')) return 'backreferences are not allowed';
      i++;
      lastWasGroup = false;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      lastWasGroup = false;
      continue;
    }
    if (c === '(') {
      if (pattern.startsWith('(?=', i) || pattern.startsWith('(?!', i) || pattern.startsWith('(?<=', i) || pattern.startsWith('(?<!', i)) return 'lookahead and lookbehind are not allowed';
      stack.push({ risky: false });
      lastWasGroup = false;
      continue;
    }
    if (c === ')') {
      const group = stack.pop();
      if (!group || stack.length === 0) return 'unbalanced parentheses';
      lastGroupRisky = group.risky;
      if (group.risky) stack[stack.length - 1]!.risky = true;
      lastWasGroup = true;
      continue;
    }
    if (c === '|') {
      stack[stack.length - 1]!.risky = true;
      lastWasGroup = false;
      continue;
    }
    const quant = quantifierAt(pattern, i);
    if (quant) {
      if (quant.huge) return `repetition counts above ${MAX_REPEAT} are not allowed`;
      if (quant.unbounded) unbounded++;
      if (lastWasGroup && lastGroupRisky && quant.repeats) return 'a repeated group may not contain a quantifier or an alternation (nested repetition backtracks exponentially)';
      if (quant.repeats) stack[stack.length - 1]!.risky = true;
      i += quant.length - 1;
      // A lazy or possessive marker after the quantifier.
      if (pattern[i + 1] === '?') i++;
      lastWasGroup = false;
      continue;
    }
    lastWasGroup = false;
  }
  if (stack.length !== 1) return 'unbalanced parentheses';
  if (unbounded > MAX_UNBOUNDED_QUANTIFIERS) return `at most ${MAX_UNBOUNDED_QUANTIFIERS} unbounded repetitions (*, +, {n,}) are allowed`;
  return null;
}

/** Largest count allowed in {n,m}. */
const MAX_REPEAT = 1000;

function quantifierAt(p: string, i: number): { length: number; unbounded: boolean; repeats: boolean; huge?: boolean } | null {
  const c = p[i];
  if (c === '*' || c === '+') return { length: 1, unbounded: true, repeats: true };
  if (c === '?') return { length: 1, unbounded: false, repeats: false };
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
    if (!m) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    return { length: m[0].length, unbounded: max === Infinity, repeats: max > 1, huge: min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT) };
  }
  return null;
}

export type SyslogPredicate = (m: SyslogMessage) => boolean;

/**
 * A predicate for a filter (host substring, minimum severity, text or a safe regex). Throws
 * AppError INVALID_INPUT for a regex that does not compile or could backtrack catastrophically.
 */
export function compileSyslogFilter(filter: SyslogFilter): SyslogPredicate {
  const host = filter.host?.trim().toLowerCase() || undefined;
  const minSeverity = filter.minSeverity;
  let textTest: ((s: string) => boolean) | undefined;
  const text = filter.text ?? '';
  if (text !== '') {
    if (filter.regex) {
      const risk = regexRisk(text);
      if (risk) throw new AppError('INVALID_INPUT', `the search pattern is not allowed: ${risk}`, { hint: 'Use a simpler pattern, or plain text search.' });
      let re: RegExp;
      try {
        re = new RegExp(text, filter.caseSensitive ? 'u' : 'iu');
      } catch (err) {
        throw new AppError('INVALID_INPUT', `the search pattern is not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`);
      }
      textTest = (s) => re.test(s.length > REGEX_INPUT_LIMIT ? s.slice(0, REGEX_INPUT_LIMIT) : s);
    } else if (filter.caseSensitive) {
      textTest = (s) => s.includes(text);
    } else {
      const lower = text.toLowerCase();
      textTest = (s) => s.toLowerCase().includes(lower);
    }
  }
  return (m) => {
    if (minSeverity !== undefined && (m.severity === null || m.severity > minSeverity)) return false;
    if (host !== undefined && !(m.hostname?.toLowerCase().includes(host) || m.sender.address.toLowerCase().includes(host))) return false;
    if (textTest && !(textTest(m.message) || (m.app !== null && textTest(m.app)) || (m.hostname !== null && textTest(m.hostname)))) return false;
    return true;
  };
}
