import type { MinerProblem, ProvingDeadline } from '../../contract/miners';
import { clipText, ProblemList } from '../miner-problem';
import { textLines } from './strip-ansi';
import { findColumn, headerColumns, splitRow } from './text-table';

export const PROVING_DEADLINES_SOURCE = 'lotus-miner proving deadlines';

export interface ParsedProvingDeadlines {
  minerId?: string;
  deadlines: ProvingDeadline[];
  problems: MinerProblem[];
}

/**
 * `lotus-miner proving deadlines`: "Miner: f0…" then a tabwriter table (deadline, open (v1.26+),
 * partitions, sectors (faults), proven partitions); the current row has an extra "(current)" cell.
 */
export function parseProvingDeadlines(text: string): ParsedProvingDeadlines {
  const problems = new ProblemList(PROVING_DEADLINES_SOURCE);
  const out: ParsedProvingDeadlines = { deadlines: [], problems: [] };
  const lines = textLines(text);
  const headerAt = lines.findIndex((l) => headerColumns(l)[0]?.name.toLowerCase() === 'deadline');
  for (let i = 0; i < (headerAt < 0 ? lines.length : headerAt); i++) {
    const t = lines[i]!.trim();
    const m = /^Miner:\s*(\S+)/.exec(t);
    if (m) out.minerId = clipText(m[1]!, 128);
    else if (t) problems.add('unrecognised line', { raw: lines[i], line: i + 1 });
  }
  if (headerAt < 0) {
    if (lines.some((l) => l.trim())) problems.add('no `proving deadlines` header found');
    out.problems = problems.list();
    return out;
  }
  const columns = headerColumns(lines[headerAt]!);
  const col = {
    index: findColumn(columns, 'deadline')!,
    open: findColumn(columns, 'open'),
    partitions: findColumn(columns, 'partitions'),
    sectors: findColumn(columns, 'sectors (faults)', 'sectors'),
    proven: findColumn(columns, 'proven partitions', 'proven'),
  };
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    const row = splitRow(line, columns, i + 1);
    const cell = (name: string | undefined) => (name === undefined ? '' : (row.cells[name] ?? ''));
    const idx = cell(col.index);
    if (!/^\d{1,3}$/.test(idx)) {
      problems.add('not a deadline row', { raw: line, line: i + 1 });
      continue;
    }
    const d: ProvingDeadline = { index: Number(idx), current: row.extra.includes('(current)') || /\(current\)/.test(line) };
    const open = cell(col.open);
    if (open) d.openText = clipText(open, 64);
    const int = (s: string) => (/^\d+$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : undefined);
    const parts = int(cell(col.partitions));
    if (parts !== undefined) d.partitions = parts;
    const sf = /^(\d+)(?:\s*\((\d+)\))?$/.exec(cell(col.sectors));
    if (sf) {
      d.sectors = Number(sf[1]);
      if (sf[2] !== undefined) d.faults = Number(sf[2]);
    }
    const proven = int(cell(col.proven).replace(/\s*\(current\)$/, ''));
    if (proven !== undefined) d.provenPartitions = proven;
    if (out.deadlines.length < 48) out.deadlines.push(d);
  }
  out.problems = problems.list();
  return out;
}
