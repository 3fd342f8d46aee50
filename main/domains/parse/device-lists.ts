import { normalizeMac } from '../../farm/mac-address';
import { asText, problem, type ParseProblem, type ParseResult } from './parse-result';
import { parseVshTable } from './vsh-table';

/**
 * `virsh domblklist <dom> [--details]` (Target | Source, or Type | Device | Target | Source) and
 * `virsh domiflist <dom>` (Interface | Type | Source | Model | MAC). "-" means none.
 */

export interface ListedBlockDevice {
  target: string;
  source: string | null;
  type: string | null;
  device: string | null;
}

export interface ListedInterface {
  name: string | null;
  type: string | null;
  source: string | null;
  model: string | null;
  mac: string | null;
}

const dash = (s: string | undefined): string | null => (s === undefined || s === '' || s === '-' ? null : s);

export function parseDomblklist(input: unknown): ParseResult<ListedBlockDevice[]> {
  const raw = asText(input);
  const value: ListedBlockDevice[] = [];
  if (raw.trim() === '') return { value, problems: [], raw };
  const { table, problems: p } = parseVshTable(raw);
  const problems: ParseProblem[] = [...p];
  if (!table) return { value, problems, raw };
  const col = (l: string) => table.headers.findIndex((h) => h.toLowerCase() === l);
  const iTarget = col('target');
  const iSource = col('source');
  const iType = col('type');
  const iDevice = col('device');
  if (iTarget < 0) {
    problems.push(problem(table.headerLine, 'not a block device list: no Target column', table.headers.join(' | ')));
    return { value, problems, raw };
  }
  for (const row of table.rows) {
    let cells = row.cells;
    if (!row.aligned) {
      // Targets, types and devices are single words; the source is the rest of the line.
      const words = row.text.trim().split(/\s+/);
      const fixed = table.headers.length - 1;
      if (words.length < fixed + 1) {
        problems.push(problem(row.line, 'a block device row that does not fit the columns', row.text));
        continue;
      }
      cells = [...words.slice(0, fixed), row.text.trim().split(/\s+/).slice(fixed).join(' ')];
      problems.push(problem(row.line, 'misaligned block device row (read by words)', row.text));
    }
    const target = cells[iTarget] ?? '';
    if (target === '') {
      problems.push(problem(row.line, 'a block device row without a target', row.text));
      continue;
    }
    value.push({
      target,
      source: iSource >= 0 ? dash(cells[iSource]) : null,
      type: iType >= 0 ? dash(cells[iType]) : null,
      device: iDevice >= 0 ? dash(cells[iDevice]) : null,
    });
  }
  return { value, problems, raw };
}

export function parseDomiflist(input: unknown): ParseResult<ListedInterface[]> {
  const raw = asText(input);
  const value: ListedInterface[] = [];
  if (raw.trim() === '') return { value, problems: [], raw };
  const { table, problems: p } = parseVshTable(raw);
  const problems: ParseProblem[] = [...p];
  if (!table) return { value, problems, raw };
  const col = (l: string) => table.headers.findIndex((h) => h.toLowerCase() === l);
  const iName = col('interface');
  const iType = col('type');
  const iSource = col('source');
  const iModel = col('model');
  const iMac = col('mac');
  if (iName < 0 || iMac < 0) {
    problems.push(problem(table.headerLine, 'not an interface list: no Interface or MAC column', table.headers.join(' | ')));
    return { value, problems, raw };
  }
  for (const row of table.rows) {
    let cells = row.cells;
    if (!row.aligned) {
      const words = row.text.trim().split(/\s+/);
      if (words.length !== table.headers.length) {
        problems.push(problem(row.line, 'an interface row that does not fit the columns', row.text));
        continue;
      }
      cells = words;
    }
    const macText = dash(cells[iMac]);
    const mac = macText === null ? null : (normalizeMac(macText) ?? null);
    if (macText !== null && mac === null) problems.push(problem(row.line, `unreadable MAC "${macText}"`, row.text));
    value.push({
      name: dash(cells[iName]),
      type: iType >= 0 ? dash(cells[iType]) : null,
      source: iSource >= 0 ? dash(cells[iSource]) : null,
      model: iModel >= 0 ? dash(cells[iModel]) : null,
      mac,
    });
  }
  return { value, problems, raw };
}
