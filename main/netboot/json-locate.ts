/**
 * Where a config problem's path ("subnets[3].cidr") is in the JSON text, as line and column, so
 * the editor can point at it. A member is located at its key, an array element at its value; a
 * path that is not in the text (a missing field) falls back to its nearest existing parent.
 *
 * A small scanner over text that JSON.parse already accepted; on anything unexpected it stops
 * and returns what it found so far (never throws).
 */

export interface TextPosition {
  /** 1-based. */
  line: number;
  column: number;
}

/** Paths in the form of config-validation.ts formatPath: `a.b[2].c`. */
function join(parent: string, segment: string | number): string {
  if (typeof segment === 'number') return `${parent}[${segment}]`;
  return parent === '' ? segment : `${parent}.${segment}`;
}

function parentOf(p: string): string | undefined {
  if (p === '') return undefined;
  const m = /^(.*?)(\[\d+\]|\.[^.[\]]*|^[^.[\]]*)$/.exec(p);
  if (!m) return '';
  return m[1] ?? '';
}

const LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

class Scanner {
  i = 0;
  readonly offsets = new Map<string, number>();
  constructor(
    private readonly s: string,
    private readonly wanted: ReadonlySet<string>,
  ) {}

  private ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }

  private mark(p: string, offset: number): void {
    if (this.wanted.has(p) && !this.offsets.has(p)) this.offsets.set(p, offset);
  }

  private string(): string {
    const s = this.s;
    const start = ++this.i; // after the opening quote
    let raw = false;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 34) break;
      if (c === 92) {
        raw = true;
        this.i += 2;
      } else this.i++;
    }
    const body = s.slice(start, this.i);
    this.i++; // closing quote
    if (!raw) return body;
    try {
      return JSON.parse(`"${body}"`) as string;
    } catch {
      return body;
    }
  }

  /** Scans one value at this.i whose path is p. */
  value(p: string, depth = 0): void {
    if (depth > 200) throw new Error('too deep');
    this.ws();
    const c = this.s[this.i];
    if (c === '{') {
      this.i++;
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return;
      }
      for (;;) {
        this.ws();
        if (this.s[this.i] !== '"') throw new Error('key expected');
        const keyAt = this.i;
        const key = this.string();
        const child = join(p, key);
        this.mark(child, keyAt);
        this.ws();
        if (this.s[this.i] !== ':') throw new Error('colon expected');
        this.i++;
        this.value(child, depth + 1);
        this.ws();
        if (this.s[this.i] === ',') {
          this.i++;
          continue;
        }
        if (this.s[this.i] === '}') {
          this.i++;
          return;
        }
        throw new Error('comma or } expected');
      }
    }
    if (c === '[') {
      this.i++;
      this.ws();
      if (this.s[this.i] === ']') {
        this.i++;
        return;
      }
      for (let index = 0; ; index++) {
        this.ws();
        const child = join(p, index);
        this.mark(child, this.i);
        this.value(child, depth + 1);
        this.ws();
        if (this.s[this.i] === ',') {
          this.i++;
          continue;
        }
        if (this.s[this.i] === ']') {
          this.i++;
          return;
        }
        throw new Error('comma or ] expected');
      }
    }
    if (c === '"') {
      this.string();
      return;
    }
    // number, true, false, null
    LITERAL.lastIndex = this.i;
    const m = LITERAL.exec(this.s);
    if (!m) throw new Error('value expected');
    this.i += m[0].length;
  }
}

function position(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Line and column of each path (or its nearest parent in the text); paths found nowhere are left out. */
export function locateJsonPaths(text: string, paths: readonly string[]): Map<string, TextPosition> {
  const wanted = new Set<string>();
  for (const p of paths) for (let q: string | undefined = p; q !== undefined && q !== ''; q = parentOf(q)) wanted.add(q);
  const scanner = new Scanner(text, wanted);
  try {
    if (text.charCodeAt(0) === 0xfeff) scanner.i = 1;
    scanner.value('');
  } catch {
    // keep what was found before the surprise
  }
  const out = new Map<string, TextPosition>();
  for (const p of paths) {
    for (let q: string | undefined = p; q !== undefined && q !== ''; q = parentOf(q)) {
      const at = scanner.offsets.get(q);
      if (at !== undefined) {
        out.set(p, position(text, at));
        break;
      }
    }
  }
  return out;
}

/**
 * Where JSON.parse gave up, for V8 messages that name no position ("Unexpected token ','"):
 * the offset of the first character that is not valid JSON there, or undefined when the scanner
 * finds none (it is lenient about what JSON.parse would also accept).
 */
export function jsonErrorOffset(text: string): number | undefined {
  const scanner = new Scanner(text, new Set());
  try {
    if (text.charCodeAt(0) === 0xfeff) scanner.i = 1;
    scanner.value('');
    return undefined;
  } catch {
    return Math.min(scanner.i, text.length);
  }
}
