import { isUtf8 as nodeIsUtf8 } from 'node:buffer';
import type { JsonError, ValueKind, ValueRepr } from '../contract/etcd';
import { escapeBytes } from '../contract/escaped-bytes';

/**
 * Bytes as etcd stores them, and the forms Drover shows. Nothing here throws on bad input:
 * a non-UTF-8 key is shown escaped and kept as bytes; JSON that does not parse comes back with
 * the position of the problem.
 */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Strict standard base64 (padding required); undefined for anything else (Buffer.from would silently skip junk). */
export function fromBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

/** Whether the bytes are well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
export function isUtf8(bytes: Uint8Array): boolean {
  return bytes.byteLength === 0 || nodeIsUtf8(bytes);
}

/**
 * Text for bytes that are UTF-8. Buffer#toString keeps a leading BOM (TextDecoder would drop it),
 * so for valid UTF-8, Buffer.from(decodeUtf8(b), 'utf8') is b again, byte for byte.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

export function encodeUtf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

// The escaped form (\xHH, \\) of bytes that are not UTF-8: shared with the page.
export { escapeBytes };

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** How a key is shown: the text itself when it is UTF-8, else the escaped form. */
export function keyDisplay(bytes: Uint8Array): { display: string; utf8: boolean } {
  return isUtf8(bytes) ? { display: decodeUtf8(bytes), utf8: true } : { display: escapeBytes(bytes), utf8: false };
}

/** Lower-case hex, two digits per byte, no separators (etcdctl --hex prints \x escapes of the same digits). */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** A `hexdump -C` style view: offset, 16 bytes in two groups of 8, and the printable ASCII. */
export function hexDump(bytes: Uint8Array, maxBytes = bytes.length): string {
  const n = Math.min(bytes.length, Math.max(0, maxBytes));
  const lines: string[] = [];
  for (let off = 0; off < n; off += 16) {
    const row = bytes.subarray(off, Math.min(off + 16, n));
    let hexPart = '';
    let ascii = '';
    for (let j = 0; j < 16; j++) {
      if (j === 8) hexPart += ' ';
      if (j < row.length) {
        const c = row[j]!;
        hexPart += `${hex2(c)} `;
        ascii += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
      } else {
        hexPart += '   ';
      }
    }
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hexPart} |${ascii}|`);
  }
  if (n < bytes.length) lines.push(`… ${bytes.length - n} more bytes`);
  else lines.push(n.toString(16).padStart(8, '0'));
  return lines.join('\n');
}

// ---------------------------------------------------------------- JSON

export type JsonCheck =
  | { ok: true; /** Two-space indentation; string and number tokens exactly as written. */ pretty: string; duplicateKeys: string[] }
  | { ok: false; error: JsonError };

const MAX_DEPTH = 512;

class JsonFail extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * Validates JSON (RFC 8259) and pretty-prints it without going through JSON.parse, so big
 * integers, number spellings and escapes survive exactly. The first problem is reported with
 * its offset, line and column.
 */
export function checkJson(text: string): JsonCheck {
  const p = new JsonPrinter(text);
  try {
    p.ws();
    if (p.pos >= text.length) throw new JsonFail('empty: expected a JSON value', p.pos);
    p.value(0);
    p.ws();
    if (p.pos < text.length) throw new JsonFail(`unexpected ${describe(text, p.pos)} after the JSON value`, p.pos);
    return { ok: true, pretty: p.out.join(''), duplicateKeys: [...p.duplicates] };
  } catch (err) {
    if (!(err instanceof JsonFail)) throw err;
    return { ok: false, error: jsonError(text, err.message, err.offset) };
  }
}

function jsonError(text: string, message: string, offset: number): JsonError {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  const column = offset - lineStart + 1;
  return { message: `${message} at line ${line}, column ${column}`, offset, line, column };
}

function describe(text: string, pos: number): string {
  if (pos >= text.length) return 'end of input';
  const c = text.codePointAt(pos)!;
  if (c < 0x20 || c === 0x7f) return `control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return `character ${JSON.stringify(String.fromCodePoint(c))}`;
}

class JsonPrinter {
  pos = 0;
  readonly out: string[] = [];
  readonly duplicates = new Set<string>();

  constructor(private readonly s: string) {}

  ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  private indent(depth: number): string {
    return `\n${'  '.repeat(depth)}`;
  }

  value(depth: number): void {
    if (depth > MAX_DEPTH) throw new JsonFail(`nesting deeper than ${MAX_DEPTH} levels`, this.pos);
    const s = this.s;
    const c = s[this.pos];
    if (c === '{') this.object(depth);
    else if (c === '[') this.array(depth);
    else if (c === '"') this.out.push(this.string());
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.out.push(this.number());
    else if (s.startsWith('true', this.pos)) this.literal('true');
    else if (s.startsWith('false', this.pos)) this.literal('false');
    else if (s.startsWith('null', this.pos)) this.literal('null');
    else throw new JsonFail(`unexpected ${describe(s, this.pos)}: expected a value (object, array, string, number, true, false or null)`, this.pos);
  }

  private literal(word: string): void {
    this.pos += word.length;
    this.out.push(word);
  }

  private object(depth: number): void {
    const s = this.s;
    this.pos++;
    this.ws();
    if (s[this.pos] === '}') {
      this.pos++;
      this.out.push('{}');
      return;
    }
    this.out.push('{');
    const seen = new Set<string>();
    for (;;) {
      this.ws();
      if (s[this.pos] !== '"') throw new JsonFail(`unexpected ${describe(s, this.pos)}: expected a member name in double quotes`, this.pos);
      const keyStart = this.pos;
      const key = this.string();
      const name = s.slice(keyStart + 1, this.pos - 1);
      if (seen.has(name)) this.duplicates.add(name);
      seen.add(name);
      this.ws();
      if (s[this.pos] !== ':') throw new JsonFail(`unexpected ${describe(s, this.pos)}: expected ':' after the member name`, this.pos);
      this.pos++;
      this.ws();
      this.out.push(this.indent(depth + 1), key, ': ');
      this.value(depth + 1);
      this.ws();
      const d = s[this.pos];
      if (d === ',') {
        this.pos++;
        this.out.push(',');
        continue;
      }
      if (d === '}') {
        this.pos++;
        this.out.push(this.indent(depth), '}');
        return;
      }
      throw new JsonFail(`unexpected ${describe(s, this.pos)}: expected ',' or '}' after an object member`, this.pos);
    }
  }

  private array(depth: number): void {
    const s = this.s;
    this.pos++;
    this.ws();
    if (s[this.pos] === ']') {
      this.pos++;
      this.out.push('[]');
      return;
    }
    this.out.push('[');
    for (;;) {
      this.ws();
      this.out.push(this.indent(depth + 1));
      this.value(depth + 1);
      this.ws();
      const d = s[this.pos];
      if (d === ',') {
        this.pos++;
        this.out.push(',');
        continue;
      }
      if (d === ']') {
        this.pos++;
        this.out.push(this.indent(depth), ']');
        return;
      }
      throw new JsonFail(`unexpected ${describe(s, this.pos)}: expected ',' or ']' after an array element`, this.pos);
    }
  }

  /** Returns the string token as written, quotes included. */
  private string(): string {
    const s = this.s;
    const start = this.pos;
    this.pos++;
    for (;;) {
      if (this.pos >= s.length) throw new JsonFail('unterminated string', start);
      const c = s.charCodeAt(this.pos);
      if (c === 0x22) {
        this.pos++;
        return s.slice(start, this.pos);
      }
      if (c < 0x20) throw new JsonFail(`${describe(s, this.pos)} inside a string: write it as an escape (\\n, \\t, \\u00XX)`, this.pos);
      if (c === 0x5c) {
        const e = s[this.pos + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) this.pos += 2;
        else if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(this.pos + 2, this.pos + 6))) throw new JsonFail('\\u must be followed by four hex digits', this.pos);
          this.pos += 6;
        } else throw new JsonFail(`invalid escape \\${e ?? ''} in a string`, this.pos);
        continue;
      }
      this.pos++;
    }
  }

  private number(): string {
    const s = this.s;
    const start = this.pos;
    const digits = () => {
      const from = this.pos;
      while (this.pos < s.length && s[this.pos]! >= '0' && s[this.pos]! <= '9') this.pos++;
      return this.pos - from;
    };
    if (s[this.pos] === '-') this.pos++;
    if (s[this.pos] === '0') {
      this.pos++;
      if (s[this.pos]! >= '0' && s[this.pos]! <= '9') throw new JsonFail('leading zeros are not allowed in a number', start);
    } else if (digits() === 0) throw new JsonFail(`unexpected ${describe(s, this.pos)}: expected a digit`, this.pos);
    if (s[this.pos] === '.') {
      this.pos++;
      if (digits() === 0) throw new JsonFail(`unexpected ${describe(s, this.pos)}: expected a digit after the decimal point`, this.pos);
    }
    if (s[this.pos] === 'e' || s[this.pos] === 'E') {
      this.pos++;
      if (s[this.pos] === '+' || s[this.pos] === '-') this.pos++;
      if (digits() === 0) throw new JsonFail(`unexpected ${describe(s, this.pos)}: expected a digit in the exponent`, this.pos);
    }
    return s.slice(start, this.pos);
  }
}

/** Null when the bytes are a valid JSON document, else the problem (not UTF-8 is one too). */
export function jsonProblem(bytes: Uint8Array): JsonError | null {
  if (!isUtf8(bytes)) return { message: 'the value is not UTF-8 text, so it cannot be JSON', offset: 0, line: 1, column: 1 };
  const r = checkJson(decodeUtf8(bytes));
  return r.ok ? null : r.error;
}

// ---------------------------------------------------------------- detection

export interface DescribeOptions {
  /** Longest display string (default 256 Ki characters); longer ones are cut and flagged. */
  maxDisplayChars?: number;
  /** Bytes shown in a hex dump (default 64 KiB). */
  maxHexBytes?: number;
}

function hasControlChars(text: string): boolean {
  // C0 controls other than tab, LF and CR, and DEL: text with these is shown as hex.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return true;
  }
  return false;
}

export function detectKind(bytes: Uint8Array): ValueKind {
  if (!isUtf8(bytes)) return 'binary';
  const text = decodeUtf8(bytes);
  const t = text.trimStart();
  if ((t.startsWith('{') || t.startsWith('[')) && checkJson(text).ok) return 'json';
  return hasControlChars(text) ? 'binary' : 'text';
}

/** The value as the UI shows it: kind, display form, size and the bytes themselves (base64). */
export function describeValue(bytes: Uint8Array, options: DescribeOptions = {}): ValueRepr {
  const maxChars = options.maxDisplayChars ?? 256 * 1024;
  const maxHex = options.maxHexBytes ?? 64 * 1024;
  const base = { base64: toBase64(bytes), sizeBytes: bytes.byteLength };
  const cut = (display: string) =>
    display.length > maxChars ? { display: display.slice(0, maxChars), displayTruncated: true } : { display, displayTruncated: false };
  if (isUtf8(bytes)) {
    const text = decodeUtf8(bytes);
    const t = text.trimStart();
    if (t.startsWith('{') || t.startsWith('[')) {
      const check = checkJson(text);
      if (check.ok) return { ...base, kind: 'json', ...cut(check.pretty) };
      if (!hasControlChars(text)) return { ...base, kind: 'text', ...cut(text), jsonError: check.error };
    } else if (!hasControlChars(text)) {
      return { ...base, kind: 'text', ...cut(text) };
    }
  }
  const dump = hexDump(bytes, maxHex);
  return { ...base, kind: 'binary', display: dump, displayTruncated: bytes.byteLength > maxHex };
}

/**
 * The same JSON without whitespace between tokens (strings, numbers and escapes exactly as
 * written), or the problem when it is not JSON. For writing a value edited in the pretty view
 * back in the compact style it had.
 */
export function compactJson(text: string): { ok: true; text: string } | { ok: false; error: JsonError } {
  const check = checkJson(text);
  if (!check.ok) return check;
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') out += c;
  }
  return { ok: true, text: out };
}
