/**
 * Header-driven reading of the column tables lotus prints (Go text/tabwriter for `sealing jobs` and
 * `proving deadlines`, lotus' tablewriter for `sectors list`): cells are left aligned at the
 * column's start offset and columns are separated by at least two spaces. Columns are found from
 * the header's names and offsets, so unknown, missing or reordered columns are handled; a row
 * whose text does not line up with the header is split on runs of 2+ spaces instead.
 */

export interface TableColumn {
  name: string;
  /** Start offset (code points) in the header line. */
  start: number;
}

export interface TableRow {
  /** Header name → cell text (trimmed; "" for an empty cell). */
  cells: Record<string, string>;
  /** Cells beyond the header's columns (e.g. "(current)" in `proving deadlines`). */
  extra: string[];
  /** 1-based line number in the command output. */
  line: number;
  raw: string;
  aligned: boolean;
}

/** Columns of a header line: names separated by 2+ spaces (a name may contain single spaces). */
export function headerColumns(header: string): TableColumn[] {
  const cps = Array.from(header);
  const cols: TableColumn[] = [];
  let i = 0;
  while (i < cps.length) {
    while (i < cps.length && cps[i] === ' ') i++;
    if (i >= cps.length) break;
    const start = i;
    let end = i;
    while (i < cps.length) {
      if (cps[i] === ' ' && (cps[i + 1] === ' ' || i + 1 >= cps.length)) break;
      i++;
      end = i;
    }
    cols.push({ name: cps.slice(start, end).join(''), start });
  }
  return cols;
}

/** Splits a row by the header's column offsets; falls back to splitting on 2+ spaces. */
export function splitRow(line: string, columns: readonly TableColumn[], lineNo: number): TableRow {
  const cps = Array.from(line);
  const row: TableRow = { cells: {}, extra: [], line: lineNo, raw: line, aligned: true };
  // Aligned when each column start (after the first) is preceded by a space or lies past the end.
  for (let c = 1; c < columns.length; c++) {
    const s = columns[c]!.start;
    if (s < cps.length && cps[s - 1] !== ' ') {
      row.aligned = false;
      break;
    }
  }
  if (row.aligned) {
    for (let c = 0; c < columns.length; c++) {
      const s = columns[c]!.start;
      const e = c + 1 < columns.length ? columns[c + 1]!.start : cps.length;
      let cell = s < cps.length ? cps.slice(s, Math.max(s, e)).join('') : '';
      if (c === columns.length - 1) {
        // The last column is not padded: anything after a 2+ space gap is an extra cell.
        const parts = cell.trim().split(/ {2,}/);
        cell = parts.shift() ?? '';
        row.extra.push(...parts.filter((p) => p !== ''));
      }
      row.cells[columns[c]!.name] = cell.trim();
    }
    return row;
  }
  const parts = line.trim().split(/ {2,}|\t+/);
  columns.forEach((col, c) => {
    row.cells[col.name] = parts[c]?.trim() ?? '';
  });
  row.extra.push(...parts.slice(columns.length).filter((p) => p !== ''));
  return row;
}

/** Finds the header's column by any of the given names (case-insensitive). */
export function findColumn(columns: readonly TableColumn[], ...names: string[]): string | undefined {
  const wanted = names.map((n) => n.toLowerCase());
  return columns.find((c) => wanted.includes(c.name.toLowerCase()))?.name;
}
