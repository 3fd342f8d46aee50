/**
 * A line diff for conflicts and history: common lines at both ends are taken first, the middle
 * by a longest-common-subsequence table. A middle too large for the table (more than maxCells
 * line pairs) is shown as removed-then-added rather than hanging the page.
 */

export interface DiffLine {
  readonly type: 'same' | 'del' | 'add';
  readonly text: string;
  /** 1-based line number in the old text (same, del). */
  readonly oldLine?: number;
  /** 1-based line number in the new text (same, add). */
  readonly newLine?: number;
}

export interface LineDiff {
  readonly lines: readonly DiffLine[];
  readonly added: number;
  readonly removed: number;
  /** The middle was too large for a line-by-line match. */
  readonly coarse: boolean;
}

export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function lineDiff(oldText: string, newText: string, maxCells = 4_000_000): LineDiff {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: DiffLine[] = [];
  for (let i = 0; i < start; i++) out.push({ type: 'same', text: a[i]!, oldLine: i + 1, newLine: i + 1 });
  const n = endA - start;
  const m = endB - start;
  let coarse = false;
  if (n > 0 && m > 0 && n * m <= maxCells) {
    // lcs[i][j]: the LCS length of a[start+i..endA) and b[start+j..endB), one flat array.
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = a[start + i] === b[start + j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[start + i] === b[start + j]) {
        out.push({ type: 'same', text: a[start + i]!, oldLine: start + i + 1, newLine: start + j + 1 });
        i++;
        j++;
      } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) {
        out.push({ type: 'del', text: a[start + i]!, oldLine: start + i + 1 });
        i++;
      } else {
        out.push({ type: 'add', text: b[start + j]!, newLine: start + j + 1 });
        j++;
      }
    }
    for (; i < n; i++) out.push({ type: 'del', text: a[start + i]!, oldLine: start + i + 1 });
    for (; j < m; j++) out.push({ type: 'add', text: b[start + j]!, newLine: start + j + 1 });
  } else {
    coarse = n > 0 && m > 0;
    for (let i = 0; i < n; i++) out.push({ type: 'del', text: a[start + i]!, oldLine: start + i + 1 });
    for (let j = 0; j < m; j++) out.push({ type: 'add', text: b[start + j]!, newLine: start + j + 1 });
  }
  for (let k = 0; k < a.length - endA; k++) out.push({ type: 'same', text: a[endA + k]!, oldLine: endA + k + 1, newLine: endB + k + 1 });
  let added = 0;
  let removed = 0;
  for (const l of out) {
    if (l.type === 'add') added++;
    else if (l.type === 'del') removed++;
  }
  return { lines: out, added, removed, coarse };
}

/** Keeps changed lines with `context` lines around them; runs of unchanged lines between become one gap marker. */
export function withContext(lines: readonly DiffLine[], context = 3): (DiffLine | { type: 'gap'; count: number })[] {
  const keep = new Uint8Array(lines.length);
  lines.forEach((l, i) => {
    if (l.type === 'same') return;
    for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) keep[k] = 1;
  });
  const out: (DiffLine | { type: 'gap'; count: number })[] = [];
  let gap = 0;
  lines.forEach((l, i) => {
    if (keep[i]) {
      if (gap) out.push({ type: 'gap', count: gap });
      gap = 0;
      out.push(l);
    } else gap++;
  });
  if (gap) out.push({ type: 'gap', count: gap });
  return out;
}
