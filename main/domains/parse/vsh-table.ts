import { problem, splitLines, type ParseProblem } from './parse-result';

/**
 * virsh's tables (tools/vsh-table.c, and the fixed-width printf layouts before it): a header
 * row, a row of dashes, then one row per item; every cell starts at the same display column as
 * its header label, padded with spaces. Labels are separated by two or more spaces (a label may
 * hold one space: "Creation Time"). Columns are counted in display cells, the way vsh-table pads
 * them, so wide (CJK) characters in a name do not shift the columns after it.
 */

export interface VshTableRow {
  /** 1-based line number in the text. */
  line: number;
  text: string;
  /** One cell per header, trailing padding removed; the last cell runs to the end of the line. */
  cells: string[];
  /** False when a cell boundary falls inside text (a misaligned row): use a fallback for it. */
  aligned: boolean;
}

export interface VshTable {
  headers: string[];
  /** Display column where each header label starts. */
  columns: number[];
  rows: VshTableRow[];
  /** Line number of the header. */
  headerLine: number;
}

/** Display width of one code point, close to wcwidth(3): 0 for combining marks, 2 for wide/fullwidth. */
export function codePointWidth(cp: number): number {
  if (cp === 0) return 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x20d0 && cp <= 0x20ff)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

interface Cell {
  col: number;
  ch: string;
}

function cellsOf(line: string): Cell[] {
  const out: Cell[] = [];
  let col = 0;
  for (const ch of line) {
    out.push({ col, ch });
    col += codePointWidth(ch.codePointAt(0)!);
  }
  return out;
}

/**
 * The text from display column `from` (inclusive) to `to` (exclusive; undefined = end of line).
 * `clean` is false when the character just before `from` is not a space (text runs across the
 * boundary: a misaligned row).
 */
function sliceColumns(cells: Cell[], from: number, to: number | undefined): { text: string; clean: boolean } {
  let text = '';
  let before: Cell | undefined;
  for (const c of cells) {
    if (c.col < from) {
      before = c;
      continue;
    }
    if (to !== undefined && c.col >= to) break;
    text += c.ch;
  }
  return { text, clean: before === undefined || before.ch === ' ' };
}

/** Header labels and the display column each starts at. */
export function headerColumns(header: string): { labels: string[]; columns: number[] } {
  const labels: string[] = [];
  const columns: number[] = [];
  const cells = cellsOf(header);
  let i = 0;
  while (i < cells.length) {
    while (i < cells.length && cells[i]!.ch === ' ') i++;
    if (i >= cells.length) break;
    const start = cells[i]!.col;
    let label = '';
    while (i < cells.length) {
      const ch = cells[i]!.ch;
      if (ch === ' ' && (i + 1 >= cells.length || cells[i + 1]!.ch === ' ')) break;
      label += ch;
      i++;
    }
    labels.push(label);
    columns.push(start);
  }
  return { labels, columns };
}

const DASHES = /^-{3,}\s*$/;

/**
 * Parses a virsh table. Returns null (with a problem) when there is no header + dashes; rows
 * that do not fit are still returned with `aligned: false` so the caller can use a fallback.
 */
export function parseVshTable(text: string): { table: VshTable | null; problems: ParseProblem[] } {
  const lines = splitLines(text);
  const problems: ParseProblem[] = [];
  let h = 0;
  while (h < lines.length && lines[h]!.trim() === '') h++;
  if (h >= lines.length) return { table: null, problems: [problem(null, 'no table: the output is empty')] };
  const header = lines[h]!;
  const dashes = lines[h + 1];
  if (dashes === undefined || !DASHES.test(dashes)) {
    return { table: null, problems: [problem(h + 1, 'no table header followed by a line of dashes', header)] };
  }
  const { labels, columns } = headerColumns(header);
  const rows: VshTableRow[] = [];
  for (let i = h + 2; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cells = cellsOf(line);
    let aligned = true;
    const out: string[] = [];
    for (let c = 0; c < columns.length; c++) {
      const from = columns[c]!;
      const to = columns[c + 1];
      const s = sliceColumns(cells, from, to);
      if (!s.clean) aligned = false;
      out.push(s.text.trimEnd());
    }
    rows.push({ line: i + 1, text: line, cells: out, aligned });
  }
  return { table: { headers: labels, columns, rows, headerLine: h + 1 }, problems };
}
