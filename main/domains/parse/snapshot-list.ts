import type { Snapshot } from '../../contract/domains';
import { asText, problem, splitLines, type ParseProblem, type ParseResult } from './parse-result';
import { parseVshTable } from './vsh-table';

/**
 * `virsh snapshot-list <dom> [--parent]`: a table Name | Creation Time | State [| Parent];
 * the time is "YYYY-MM-DD HH:MM:SS +ZZZZ", the state one word (running, paused, shutoff,
 * disk-snapshot, …). `--name` prints bare names, one per line.
 */

const TIME = /(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)/;
const TIME_ONLY = new RegExp(`^${TIME.source}$`);
/** Fallback for misaligned rows: name, time, state word, optional parent. */
const ROW = new RegExp(`^ (.+?)\\s+(${TIME.source})\\s+(\\S+)(?:\\s+(.*?))?\\s*$`);

/** "2026-12-03 10:34:51 +0000" → epoch ms, or null. */
export function parseSnapshotTime(text: string): number | null {
  const m = TIME_ONLY.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, sign, oh, om] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (!Number.isFinite(utc)) return null;
  const offsetMin = (Number(oh) * 60 + Number(om)) * (sign === '-' ? -1 : 1);
  return utc - offsetMin * 60_000;
}

export function parseSnapshotList(input: unknown): ParseResult<Snapshot[]> {
  const raw = asText(input);
  const value: Snapshot[] = [];
  if (raw.trim() === '') return { value, problems: [], raw };
  const { table, problems: tableProblems } = parseVshTable(raw);
  const problems: ParseProblem[] = [...tableProblems];
  if (!table) return { value, problems, raw };
  const col = (label: string): number => table.headers.findIndex((h) => h.toLowerCase() === label);
  const iName = col('name');
  const iTime = col('creation time');
  const iState = col('state');
  const iParent = col('parent');
  if (iName < 0) {
    problems.push(problem(table.headerLine, 'not a snapshot list: no Name column', table.headers.join(' | ')));
    return { value, problems, raw };
  }
  for (const row of table.rows) {
    let name = row.cells[iName] ?? '';
    let creationTime = iTime >= 0 ? (row.cells[iTime] ?? '') : '';
    let state = iState >= 0 ? (row.cells[iState] ?? '') : '';
    let parent = iParent >= 0 ? (row.cells[iParent] ?? '') : '';
    const fits = row.aligned && name !== '' && (iTime < 0 || TIME_ONLY.test(creationTime)) && !/\s/.test(state);
    if (!fits) {
      const m = ROW.exec(row.text);
      if (!m) {
        problems.push(problem(row.line, 'a snapshot row that does not fit the columns', row.text));
        continue;
      }
      name = m[1]!;
      creationTime = m[2]!;
      state = m[12]!;
      parent = m[13] ?? '';
    }
    value.push({
      name,
      creationTime: creationTime || null,
      createdAtMs: creationTime ? parseSnapshotTime(creationTime) : null,
      state: state || null,
      parent: parent || null,
    });
  }
  return { value, problems, raw };
}

/** `virsh snapshot-list --name`: one name per line. */
export function parseSnapshotNames(input: unknown): ParseResult<string[]> {
  const raw = asText(input);
  return { value: splitLines(raw).filter((l) => l.trim() !== ''), problems: [], raw };
}
