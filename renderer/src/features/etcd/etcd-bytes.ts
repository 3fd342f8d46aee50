/**
 * Keys and values are bytes; the contract carries them as base64. These are the renderer's forms
 * of them: text when the bytes are UTF-8, a reversible escaped text (\xHH for a byte that is not
 * part of a UTF-8 character, \\ for a backslash: the same form the service uses for keyDisplay),
 * and hex. Every conversion here round-trips byte for byte; nothing throws on bad input.
 */

import { escapeBytes, unescapeBytes, type Unescaped } from '@contract/escaped-bytes';

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

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

// The escaped form (\xHH, \\) is the service's keyDisplay form: one implementation for both sides.
export { escapeBytes, unescapeBytes };
export type Parsed = Unescaped;

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
