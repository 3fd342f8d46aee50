/**
 * Keys and values are bytes; the contract carries them as base64. These are the renderer's forms
 * of them: text when the bytes are UTF-8, a reversible escaped text (\xHH for a byte that is not
 * part of a UTF-8 character, \\ for a backslash: the same form the service uses for keyDisplay),
 * and hex. Every conversion here round-trips byte for byte; nothing throws on bad input.
 */

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

export function b64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToB64(bytes: Uint8Array): string {
  let bin = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) bin += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(bin);
}

export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

export function textToB64(text: string): string {
  return bytesToB64(encoder.encode(text));
}

/** The text of UTF-8 bytes (a BOM kept), or undefined when they are not well-formed UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

export function isUtf8(bytes: Uint8Array): boolean {
  return decodeUtf8(bytes) !== undefined;
}

/** Length of the well-formed UTF-8 sequence at i, or 0. */
function seqLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** UTF-8 stays text, other bytes become \xHH, a backslash \\ (the service's keyDisplay form). */
export function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  let run = 0;
  let i = 0;
  const flush = (end: number) => {
    if (end > run) out += strictDecoder.decode(bytes.subarray(run, end));
  };
  while (i < bytes.length) {
    const c = bytes[i]!;
    if (c === 0x5c) {
      flush(i);
      out += '\\\\';
      run = ++i;
      continue;
    }
    const n = seqLength(bytes, i);
    if (n === 0) {
      flush(i);
      out += `\\x${hex2(c)}`;
      run = ++i;
      continue;
    }
    i += n;
  }
  flush(i);
  return out;
}

export type Parsed = { ok: true; bytes: Uint8Array } | { ok: false; error: string; offset: number };

/** The inverse of escapeBytes. */
export function unescapeBytes(text: string): Parsed {
  const parts: number[] = [];
  let plain = '';
  const pushPlain = () => {
    if (plain) for (const b of encoder.encode(plain)) parts.push(b);
    plain = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '\\') {
      plain += ch;
      continue;
    }
    const next = text[i + 1];
    if (next === '\\') {
      plain += '\\';
      i++;
    } else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      pushPlain();
      parts.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      return { ok: false, error: 'a backslash must be followed by \\ or xHH (two hex digits)', offset: i };
    }
  }
  pushPlain();
  return { ok: true, bytes: Uint8Array.from(parts) };
}

/** Hex digits, two per byte, 16 bytes a line in two groups of 8. */
export function toHex(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = Array.from(bytes.subarray(off, off + 16), hex2);
    lines.push(row.length > 8 ? `${row.slice(0, 8).join(' ')}  ${row.slice(8).join(' ')}` : row.join(' '));
  }
  return lines.join('\n');
}

/** Hex digits in pairs; whitespace anywhere is ignored. */
export function parseHex(text: string): Parsed {
  const digits = text.replace(/\s+/g, '');
  const bad = /[^0-9a-fA-F]/.exec(digits);
  if (bad) return { ok: false, error: `${JSON.stringify(bad[0])} is not a hex digit`, offset: text.indexOf(bad[0]) };
  if (digits.length % 2 !== 0) return { ok: false, error: 'an odd number of hex digits: each byte is two', offset: text.length };
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return { ok: true, bytes: out };
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export function startsWithBytes(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/** A key typed by the user: text, with \xHH and \\ escapes for bytes that are not UTF-8. */
export function keyInputToB64(text: string): { ok: true; b64: string } | { ok: false; error: string } {
  const p = unescapeBytes(text);
  return p.ok ? { ok: true, b64: bytesToB64(p.bytes) } : { ok: false, error: p.error };
}

/** How a key is shown: the text when it is UTF-8, else escaped. */
export function displayBytes(bytes: Uint8Array): string {
  const text = decodeUtf8(bytes);
  return text !== undefined && !text.includes('\\') ? text : escapeBytes(bytes);
}
