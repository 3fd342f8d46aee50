import { domainStateCode, domainStateReasonCode, type DomainStateName } from '../../contract/domains';
import { asText, problem, splitLines, type ParseProblem, type ParseResult } from './parse-result';

/** `virsh domstate <dom> [--reason]`: "running" or "running (booted)". */
export interface DomainStateReading {
  state: DomainStateName | null;
  stateCode: number | null;
  /** As printed; null without --reason. */
  reason: string | null;
  reasonCode: number | null;
  /** The state text as printed (also when unknown). */
  text: string;
}

export function parseDomstate(input: unknown): ParseResult<DomainStateReading | null> {
  const raw = asText(input);
  const problems: ParseProblem[] = [];
  const lines = splitLines(raw)
    .map((l, i) => ({ l: l.trim(), n: i + 1 }))
    .filter((x) => x.l !== '');
  if (lines.length === 0) return { value: null, problems: [problem(null, 'domstate printed nothing')], raw };
  const { l, n } = lines[0]!;
  for (const extra of lines.slice(1)) problems.push(problem(extra.n, 'unexpected extra domstate line', extra.l));
  const m = /^(.+?) \((.*)\)$/.exec(l);
  const stateText = m ? m[1]! : l;
  const reason = m ? m[2]! : null;
  const stateCode = domainStateCode(stateText) ?? null;
  if (stateCode === null) problems.push(problem(n, `unknown domain state "${stateText}"`, l));
  let reasonCode: number | null = null;
  if (reason !== null && stateCode !== null) {
    reasonCode = domainStateReasonCode(stateCode, reason) ?? null;
    if (reasonCode === null) problems.push(problem(n, `unknown reason "${reason}" for state "${stateText}"`, l));
  }
  return {
    value: { state: stateCode === null ? null : (stateText as DomainStateName), stateCode, reason, reasonCode, text: stateText },
    problems,
    raw,
  };
}
