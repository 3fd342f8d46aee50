import type { MinerProblem, ProvingInfo } from '../../contract/miners';
import { clipText, ProblemList } from '../miner-problem';
import { textLines } from './strip-ansi';

export const PROVING_INFO_SOURCE = 'lotus-miner proving info';

export interface ParsedProvingInfo {
  minerId?: string;
  proving: ProvingInfo;
  problems: MinerProblem[];
}

const EPOCH_FIELDS: Record<string, keyof ProvingInfo> = {
  'Current Epoch': 'currentEpoch',
  'Proving Period Start': 'periodStart',
  'Deadline Open': 'deadlineOpen',
  'Deadline Close': 'deadlineClose',
  'Deadline Challenge': 'deadlineChallenge',
  'Deadline FaultCutoff': 'deadlineFaultCutoff',
};
const COUNT_FIELDS: Record<string, keyof ProvingInfo> = {
  'Deadline Index': 'deadlineIndex',
  'Deadline Sectors': 'deadlineSectors',
  Faults: 'faults',
  Recovering: 'recovering',
};
const IGNORED = new Set(['Proving Period Boundary', 'Next Period Start']);

/** `lotus-miner proving info` (cli/spcli/proving.go): "Label:   value" lines. */
export function parseProvingInfo(text: string): ParsedProvingInfo {
  const problems = new ProblemList(PROVING_INFO_SOURCE);
  const out: ParsedProvingInfo = { proving: {}, problems: [] };
  const p = out.proving as Record<string, number>;
  textLines(text).forEach((line, i) => {
    const t = line.trim();
    if (!t) return;
    const m = /^([A-Za-z][A-Za-z ]*?):\s*(.*)$/.exec(t);
    if (!m) {
      problems.add('unrecognised line', { raw: line, line: i + 1 });
      return;
    }
    const [, label, value] = m as unknown as [string, string, string];
    if (label === 'Miner') {
      out.minerId = clipText(value.trim(), 128);
      return;
    }
    if (IGNORED.has(label)) return;
    const key = EPOCH_FIELDS[label] ?? COUNT_FIELDS[label];
    const nm = /^(-?\d+)\b/.exec(value);
    if (!key) {
      problems.add(`unknown field "${clipText(label, 64)}"`, { raw: line, line: i + 1 });
      return;
    }
    const n = nm ? Number(nm[1]) : NaN;
    if (!Number.isSafeInteger(n) || (COUNT_FIELDS[label] && n < 0)) {
      problems.add(`unreadable ${label}`, { raw: line, line: i + 1 });
      return;
    }
    p[key] = n;
  });
  out.problems = problems.list();
  return out;
}
