import { DOMAIN_STATE_NAMES, domainStateCode } from '../../contract/domains';
import { asText, parseUint, problem, splitLines, type ParseProblem, type ParseResult } from './parse-result';
import { parseVshTable } from './vsh-table';

/**
 * `virsh list` in its layouts: the table (vsh-table since late 2018, the fixed-width
 * `" %-5s %-30s %s"` table before), and the bare forms `--name`, `--uuid`, `--id` and their
 * combinations (`--id --uuid --name` prints "uuid id name" per line; older virsh printed
 * `--uuid --name` as "%-36s %-30s").
 */

export interface ListedDomain {
  /** null for "-" (inactive). */
  id: number | null;
  name: string;
  /** As printed: one of virsh's state names, or "saved" (with --managed-save). */
  state: string;
  /** virDomainState code; "saved" is shut off (5). null for a state name virsh may add later. */
  stateCode: number | null;
  /** True when the row says "saved" (only shown with --managed-save). */
  managedSave: boolean;
  /** Only when the table has a UUID / Title column. */
  uuid?: string;
  title?: string;
}

const STATE_WORDS = [...DOMAIN_STATE_NAMES, 'saved'];
const STATE_ALT = STATE_WORDS.map((s) => s.replace(/ /g, '\\s')).join('|');
const ROW_THREE = new RegExp(`^\\s*(-|\\d+)\\s+(.+)\\s+(${STATE_ALT})\\s*$`);
const ROW_MORE = new RegExp(`^\\s*(-|\\d+)\\s+(.+?)\\s+(${STATE_ALT})(?:\\s+(.*?))?\\s*$`);
export const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function stateInfo(state: string): { stateCode: number | null; managedSave: boolean } {
  if (state === 'saved') return { stateCode: 5, managedSave: true };
  return { stateCode: domainStateCode(state) ?? null, managedSave: false };
}

function parseId(text: string): number | null | undefined {
  if (text === '-') return null;
  return parseUint(text);
}

/** The table form of `virsh list [--all] [--managed-save] [--title]`. */
export function parseDomainList(input: unknown): ParseResult<ListedDomain[]> {
  const raw = asText(input);
  const { table, problems } = parseVshTable(raw);
  const value: ListedDomain[] = [];
  if (!table) {
    // `virsh list` with no domains still prints the header; an empty text is "no output".
    return { value, problems: raw.trim() === '' ? [] : problems, raw };
  }
  const col = (label: string): number => table.headers.findIndex((h) => h.toLowerCase() === label);
  const iId = col('id');
  const iName = col('name');
  const iState = col('state');
  const iUuid = col('uuid');
  const iTitle = col('title');
  if (iId < 0 || iName < 0 || iState < 0) {
    problems.push(problem(table.headerLine, 'not a domain list: the header lacks Id, Name or State', table.headers.join(' | ')));
    return { value, problems, raw };
  }
  const threeColumns = table.headers.length === 3;
  for (const row of table.rows) {
    let id = parseId(row.cells[iId] ?? '');
    let name = row.cells[iName] ?? '';
    let state = row.cells[iState] ?? '';
    let uuid = iUuid >= 0 ? row.cells[iUuid] : undefined;
    let title = iTitle >= 0 ? row.cells[iTitle] : undefined;
    const fits = row.aligned && id !== undefined && name !== '' && STATE_WORDS.includes(state) && (uuid === undefined || UUID_RE.test(uuid));
    if (!fits) {
      const m = (threeColumns ? ROW_THREE : ROW_MORE).exec(row.text);
      if (!m) {
        if (row.aligned && id !== undefined && name !== '' && state !== '') {
          // A state this parser does not know (a newer virsh): keep the row, say so.
          problems.push(problem(row.line, `unknown domain state "${state}"`, row.text));
        } else {
          problems.push(problem(row.line, 'a domain list row that does not fit the columns', row.text));
          continue;
        }
      } else {
        id = parseId(m[1]!);
        name = m[2]!.trimEnd();
        state = m[3]!.replace(/\s/g, ' ');
        const rest = (m[4] ?? '').trim();
        uuid = undefined;
        title = undefined;
        if (iUuid >= 0) {
          const u = rest.split(/\s+/).find((w) => UUID_RE.test(w));
          if (u) uuid = u;
        }
        if (iTitle >= 0) title = rest;
      }
    }
    const d: ListedDomain = { id: id ?? null, name, state, ...stateInfo(state) };
    if (uuid !== undefined && uuid !== '') d.uuid = uuid.toLowerCase();
    if (title !== undefined) d.title = title;
    value.push(d);
  }
  return { value, problems, raw };
}

export interface ListColumns {
  uuid?: boolean;
  id?: boolean;
  name?: boolean;
}

export interface BareListed {
  uuid?: string;
  id?: number | null;
  name?: string;
}

/**
 * The bare forms: one domain per line with the requested columns in virsh's order (uuid, id,
 * name), separated by one space. A name is the rest of the line (it may hold spaces); trailing
 * padding of old `%-30s` output is removed.
 */
export function parseBareList(input: unknown, columns: ListColumns): ParseResult<BareListed[]> {
  const raw = asText(input);
  const problems: ParseProblem[] = [];
  const value: BareListed[] = [];
  const lines = splitLines(raw);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let rest = line;
    const item: BareListed = {};
    if (columns.uuid) {
      const m = /^ *(\S+)(?: |$)/.exec(rest);
      if (!m || !UUID_RE.test(m[1]!)) {
        problems.push(problem(i + 1, 'expected a UUID at the start of the line', line));
        return;
      }
      item.uuid = m[1]!.toLowerCase();
      rest = rest.slice(m[0].length);
    }
    if (columns.id) {
      const m = /^ *(\S+)(?: |$)/.exec(rest);
      const id = m ? parseId(m[1]!) : undefined;
      if (!m || id === undefined) {
        problems.push(problem(i + 1, 'expected a domain id or "-"', line));
        return;
      }
      item.id = id;
      rest = rest.slice(m[0].length);
    }
    if (columns.name) {
      const name = columns.uuid || columns.id ? rest.replace(/ +$/, '') : rest;
      if (name === '') {
        problems.push(problem(i + 1, 'expected a domain name', line));
        return;
      }
      item.name = name;
    } else if (rest.trim() !== '') {
      problems.push(problem(i + 1, 'unexpected text after the requested columns', line));
    }
    value.push(item);
  });
  return { value, problems, raw };
}

/** `virsh list --uuid` (bare uuids) as a set, e.g. for the --autostart / --transient filters. */
export function parseUuidSet(input: unknown): ParseResult<Set<string>> {
  const r = parseBareList(input, { uuid: true });
  return { value: new Set(r.value.map((d) => d.uuid!)), problems: r.problems, raw: r.raw };
}
