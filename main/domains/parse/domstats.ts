import { asText, parseBigUint, parseCounter, problem, splitLines, type ParseProblem, type ParseResult } from './parse-result';

/**
 * `virsh domstats [--raw] …`: per domain a `Domain: '<name>'` line, then indented
 * `<field>=<value>` lines, a blank line between domains. The name is printed raw between the
 * quotes (it may hold quotes itself), so it runs to the last quote of the line. Field names are
 * libvirt's typed-parameter names; values are integers, yes/no, `%f` doubles or strings.
 */

export interface DomstatsRecord {
  name: string;
  /** field → value as printed; unknown fields are kept. */
  fields: Record<string, string>;
  /** 1-based line of the `Domain:` line. */
  line: number;
}

export function parseDomstats(input: unknown): ParseResult<DomstatsRecord[]> {
  const raw = asText(input);
  const problems: ParseProblem[] = [];
  const value: DomstatsRecord[] = [];
  let current: DomstatsRecord | null = null;
  splitLines(raw).forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === '') return;
    if (line.startsWith('Domain: ')) {
      const m = /^Domain: '(.*)'\s*$/.exec(line);
      if (!m) {
        problems.push(problem(n, 'a "Domain:" line without a quoted name', line));
        current = null;
        return;
      }
      current = { name: m[1]!, fields: Object.create(null) as Record<string, string>, line: n };
      value.push(current);
      return;
    }
    const kv = /^\s+([^=\s]+)=(.*)$/.exec(line);
    if (!kv) {
      problems.push(problem(n, 'a domstats line that is not "  field=value"', line));
      return;
    }
    if (!current) {
      problems.push(problem(n, 'a domstats field before the first "Domain:" line', line));
      return;
    }
    const rec: DomstatsRecord = current;
    rec.fields[kv[1]!] = kv[2]!;
  });
  return { value, problems, raw };
}

/** Typed reads of one record's fields; undefined when absent or not of that type. */
export function statUint(rec: DomstatsRecord, field: string): number | undefined {
  const v = rec.fields[field];
  return v === undefined ? undefined : parseCounter(v);
}

export function statBig(rec: DomstatsRecord, field: string): bigint | undefined {
  const v = rec.fields[field];
  return v === undefined ? undefined : parseBigUint(v);
}

export function statBool(rec: DomstatsRecord, field: string): boolean | undefined {
  const v = rec.fields[field];
  if (v === 'yes') return true;
  if (v === 'no') return false;
  return undefined;
}

/** Indices N of `<prefix>.N.*` fields (net, block, vcpu), in order. */
export function statIndices(rec: DomstatsRecord, prefix: string): number[] {
  const set = new Set<number>();
  const p = `${prefix}.`;
  for (const key of Object.keys(rec.fields)) {
    if (!key.startsWith(p)) continue;
    const m = /^(\d+)\./.exec(key.slice(p.length));
    if (m) set.add(Number(m[1]));
  }
  return [...set].sort((a, b) => a - b);
}

/** Sum of `<prefix>.N.<suffix>` over every N as a bigint; undefined when no N has it. */
export function statSum(rec: DomstatsRecord, prefix: string, suffix: string): bigint | undefined {
  let sum: bigint | undefined;
  for (const i of statIndices(rec, prefix)) {
    const v = statBig(rec, `${prefix}.${i}.${suffix}`);
    if (v !== undefined) sum = (sum ?? 0n) + v;
  }
  return sum;
}
