/**
 * A reversible text form of any bytes, the same on both sides (the service's keyDisplay and the
 * etcd page's "escaped" view and key input): well-formed UTF-8 stays text, every other byte
 * becomes \xHH and a backslash becomes \\. unescapeBytes(escapeBytes(b)) is b, byte for byte.
 * Plain TextEncoder/TextDecoder, so it runs in the service and in the page.
 */

// ignoreBOM: a leading U+FEFF stays in the text (the bytes must come back as they were).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();

/** Length of the well-formed UTF-8 sequence starting at i, or 0 (Unicode table 3-7). */
function utf8SequenceLength(b: Uint8Array, i: number): number {
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

export function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  let runStart = 0;
  let i = 0;
  const flush = (end: number) => {
    if (end > runStart) out += decoder.decode(bytes.subarray(runStart, end));
  };
  while (i < bytes.length) {
    const c = bytes[i]!;
    if (c === 0x5c) {
      flush(i);
      out += '\\\\';
      runStart = ++i;
      continue;
    }
    const n = utf8SequenceLength(bytes, i);
    if (n === 0) {
      flush(i);
      out += `\\x${hex2(c)}`;
      runStart = ++i;
      continue;
    }
    i += n;
  }
  flush(i);
  return out;
}

export type Unescaped = { ok: true; bytes: Uint8Array } | { ok: false; error: string; offset: number };

/** The inverse of escapeBytes: \\ and \xHH are decoded, everything else is UTF-8. */
export function unescapeBytes(text: string): Unescaped {
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
