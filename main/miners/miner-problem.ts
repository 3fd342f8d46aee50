import type { ErrorCode } from '../contract/errors';
import type { MinerProblem } from '../contract/miners';

/** Longest raw excerpt kept in a problem. */
export const PROBLEM_EXCERPT_CHARS = 2000;
/** At most this many problems per command or method; then one summary problem. */
export const MAX_PROBLEMS_PER_SOURCE = 50;

/** Cuts text to max characters (code points are not split). */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

export function problem(source: string, message: string, opts: { raw?: string; line?: number; code?: ErrorCode; hint?: string } = {}): MinerProblem {
  const p: MinerProblem = { source: clipText(source, 1024), message: clipText(message, 4096) };
  if (opts.raw !== undefined) p.raw = clipText(opts.raw, PROBLEM_EXCERPT_CHARS);
  if (opts.line !== undefined) p.line = opts.line;
  if (opts.code !== undefined) p.code = opts.code;
  if (opts.hint !== undefined) p.hint = clipText(opts.hint, 4096);
  return p;
}

/** Collects problems for one source, capped so garbage input cannot flood the snapshot. */
export class ProblemList {
  readonly items: MinerProblem[] = [];
  private dropped = 0;

  constructor(readonly source: string) {}

  add(message: string, opts: { raw?: string; line?: number; code?: ErrorCode; hint?: string } = {}): void {
    if (this.items.length >= MAX_PROBLEMS_PER_SOURCE) {
      this.dropped++;
      return;
    }
    this.items.push(problem(this.source, message, opts));
  }

  /** The problems, with a summary line when some were dropped. */
  list(): MinerProblem[] {
    if (this.dropped === 0) return this.items;
    return [...this.items, problem(this.source, `${this.dropped} more lines were not understood`)];
  }
}
