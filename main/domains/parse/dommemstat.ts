import { asText, parseCounter, problem, splitLines, type ParseProblem, type ParseResult } from './parse-result';

/**
 * `virsh dommemstat <dom>`: "<tag> <value>" lines in the order the hypervisor returned them
 * (KiB, except the fault counters and last_update, which is unix seconds). Unknown tags are kept.
 */
export function parseDommemstat(input: unknown): ParseResult<Record<string, number>> {
  const raw = asText(input);
  const problems: ParseProblem[] = [];
  const value: Record<string, number> = Object.create(null) as Record<string, number>;
  splitLines(raw).forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^\s*([A-Za-z0-9_.-]+)\s+(\S+)\s*$/.exec(line);
    const n = m ? parseCounter(m[2]!) : undefined;
    if (!m || n === undefined) {
      problems.push(problem(i + 1, 'a dommemstat line that is not "<tag> <number>"', line));
      return;
    }
    if (m[1]! in value) problems.push(problem(i + 1, `repeated tag ${m[1]}`, line));
    value[m[1]!] = n;
  });
  return { value, problems, raw };
}
