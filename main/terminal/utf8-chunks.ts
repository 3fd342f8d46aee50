import { isAscii } from 'node:buffer';

/**
 * UTF-8 helpers for terminal output kept as bytes (node-pty with `encoding: null`): the serving
 * process passes the pty's bytes straight into the binary frames instead of decoding them to a
 * string and encoding that again.
 */

/**
 * How many leading bytes of `b` end on a UTF-8 sequence boundary: an incomplete sequence at the
 * end (at most 3 bytes) is left for the next read. Bytes that can never start or continue a
 * sequence count as complete (a decoder turns them into U+FFFD wherever they are).
 */
export function completeUtf8Length(b: Uint8Array): number {
  const n = b.length;
  // Walk back over at most 3 continuation bytes to the byte that leads the last sequence.
  for (let i = n - 1, back = 0; i >= 0 && back < 4; i--, back++) {
    const c = b[i]!;
    if (c < 0x80) return n; // ASCII: everything before it is whole
    if (c >= 0xc0) {
      const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
      // A lead byte above 0xf4 (or 0xc0/0xc1) is invalid whatever follows: complete as is.
      if (c > 0xf4 || c < 0xc2) return n;
      return n - i >= need ? n : i;
    }
  }
  return n;
}

/** Where to cut `b` at or before `max` so no UTF-8 sequence is split (`max` itself when it is a boundary). */
export function utf8CutAt(b: Uint8Array, max: number): number {
  if (max >= b.length) return b.length;
  let cut = max;
  // Back over continuation bytes to a sequence start (at most 3).
  while (cut > max - 3 && cut > 0 && (b[cut]! & 0xc0) === 0x80) cut--;
  return cut > 0 && (b[cut]! & 0xc0) !== 0x80 ? cut : max;
}

/** The UTF-16 length of the text these bytes decode to: what the renderer counts and acknowledges. */
export function utf16Length(b: Uint8Array): number {
  if (isAscii(b)) return b.length;
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8').length;
}
