import { z } from 'zod';
import { ErrorDataSchema } from './errors';

/** Version of the frame protocol; bump when frames change incompatibly. */
export const PROTOCOL_VERSION = 2;

/** Default upper bound of one frame, in UTF-16 code units of its JSON text. */
export const DEFAULT_MAX_FRAME_CHARS = 4 * 1024 * 1024;

const Id = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Name = z.string().min(3).max(128).regex(/^[a-zA-Z][a-zA-Z0-9]*\.[a-zA-Z][a-zA-Z0-9]*$/);

export const ClientFrameSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('req'), id: Id, m: Name, p: z.unknown() }).strict(),
  z.object({ t: z.literal('cancel'), id: Id }).strict(),
  /** b: 1 — this client reads binary frames (events of streams with a text codec may come as bytes). */
  z.object({ t: z.literal('sub'), id: Id, m: Name, p: z.unknown(), b: z.literal(1).optional() }).strict(),
  z.object({ t: z.literal('unsub'), id: Id }).strict(),
  z.object({ t: z.literal('note'), m: Name, p: z.unknown() }).strict(),
]);
export type ClientFrame = z.infer<typeof ClientFrameSchema>;

export const ServerFrameSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('hello'), v: z.number().int(), server: z.string().max(256) }).strict(),
  z.object({ t: z.literal('res'), id: Id, r: z.unknown() }).strict(),
  z.object({ t: z.literal('rej'), id: Id, e: ErrorDataSchema }).strict(),
  z.object({ t: z.literal('ev'), id: Id, d: z.unknown() }).strict(),
  z.object({ t: z.literal('end'), id: Id, e: ErrorDataSchema.optional() }).strict(),
  /** A frame-level error: malformed frames, failed notifications; id when one could be read. */
  z.object({ t: z.literal('err'), id: Id.optional(), e: ErrorDataSchema }).strict(),
]);
export type ServerFrame = z.infer<typeof ServerFrameSchema>;

/**
 * Best-effort id of a frame that cannot be parsed (too large, broken JSON), so the caller that
 * sent it gets its error instead of a timeout. Our client always writes {"t":..,"id":N first.
 */
export function sniffFrameId(text: string): number | undefined {
  const m = /^\{"t":"(?:req|sub)","id":(\d{1,16})[,}]/.exec(text.slice(0, 64));
  if (!m) return undefined;
  const id = Number(m[1]);
  return Number.isSafeInteger(id) ? id : undefined;
}

// ---- binary frames (server → client stream data) ----
//
// Stream events whose contract declares a text codec (terminal output) travel as one binary
// frame instead of JSON text when the client asked for it on `sub` (b: 1) and the transport can
// carry bytes: no JSON escaping, no JSON parse, no schema pass over the payload. Layout:
//   byte 0     BIN_EVENT (1)
//   byte 1     BINARY_VERSION (1)
//   bytes 2-3  0
//   bytes 4-7  the subscription id, unsigned 32-bit big-endian
//   bytes 8-   the event's text, UTF-8
// Ids above 2^32-1 (never reached by our client's counter) go as JSON.

export const BIN_EVENT = 1;
export const BINARY_VERSION = 1;
export const BINARY_HEADER_BYTES = 8;
export const MAX_BINARY_ID = 0xffff_ffff;

/** A stream event that can travel as text (see StreamDef.text). */
export interface TextEventCodec<T> {
  /** The event's payload text when it is a text event (its shape is then known), else undefined: JSON. */
  toText(value: T): string | undefined;
  /** The event again from that text. */
  fromText(text: string): T;
}

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();
interface NodeBufferLike {
  byteLength(s: string, enc: 'utf8'): number;
  allocUnsafeSlow(n: number): Uint8Array & { write(s: string, offset: number, enc: 'utf8'): number };
}
const NodeBuffer = (globalThis as { Buffer?: NodeBufferLike }).Buffer;

/**
 * One binary event frame. Its ArrayBuffer holds exactly this frame (never a shared pool), so a
 * MessagePort can transfer it.
 */
export function encodeBinaryEvent(id: number, text: string | Uint8Array | readonly Uint8Array[]): Uint8Array {
  let out: Uint8Array;
  if (typeof text !== 'string') {
    // UTF-8 already (whole sequences): copied once behind the header.
    const parts: readonly Uint8Array[] = text instanceof Uint8Array ? [text] : text;
    let n = 0;
    for (const p of parts) n += p.length;
    out = NodeBuffer ? NodeBuffer.allocUnsafeSlow(BINARY_HEADER_BYTES + n) : new Uint8Array(BINARY_HEADER_BYTES + n);
    let at = BINARY_HEADER_BYTES;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
  } else if (NodeBuffer) {
    const n = NodeBuffer.byteLength(text, 'utf8');
    const buf = NodeBuffer.allocUnsafeSlow(BINARY_HEADER_BYTES + n);
    buf.write(text, BINARY_HEADER_BYTES, 'utf8');
    out = buf;
  } else {
    const body = utf8Encoder.encode(text);
    out = new Uint8Array(BINARY_HEADER_BYTES + body.length);
    out.set(body, BINARY_HEADER_BYTES);
  }
  out[0] = BIN_EVENT;
  out[1] = BINARY_VERSION;
  out[2] = 0;
  out[3] = 0;
  new DataView(out.buffer, out.byteOffset, BINARY_HEADER_BYTES).setUint32(4, id, false);
  return out;
}

export type DecodedBinaryFrame = { ok: true; t: 'ev'; id: number; text: string } | { ok: false; error: string; id?: number };

/** Bytes of a message, whatever the transport delivered (Buffer, Uint8Array, ArrayBuffer); null when it is none of them. */
export function asBytes(data: unknown): Uint8Array | null {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data) && data.every((d) => d instanceof Uint8Array)) {
    const parts = data as Uint8Array[];
    const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return all;
  }
  return null;
}

/** The text of UTF-8 bytes given to Sink.text (whole sequences). */
export function utf8Text(text: string | Uint8Array | readonly Uint8Array[]): string {
  if (typeof text === 'string') return text;
  if (text instanceof Uint8Array) return utf8Decoder.decode(text);
  let s = '';
  for (const p of text) s += utf8Decoder.decode(p);
  return s;
}

/** Reads a binary frame's header and text; a clear reason when it is not one. */
export function decodeBinaryFrame(bytes: Uint8Array): DecodedBinaryFrame {
  if (bytes.length < BINARY_HEADER_BYTES) return { ok: false, error: `binary frame of ${bytes.length} bytes is shorter than its ${BINARY_HEADER_BYTES}-byte header` };
  if (bytes[0] !== BIN_EVENT) return { ok: false, error: `binary frame of unknown type ${bytes[0]}` };
  const id = new DataView(bytes.buffer, bytes.byteOffset, BINARY_HEADER_BYTES).getUint32(4, false);
  if (bytes[1] !== BINARY_VERSION) return { ok: false, error: `binary frame of version ${bytes[1]} (this side speaks ${BINARY_VERSION})`, id };
  if (bytes[2] !== 0 || bytes[3] !== 0) return { ok: false, error: 'binary frame with reserved header bytes set', id };
  return { ok: true, t: 'ev', id, text: utf8Decoder.decode(bytes.subarray(BINARY_HEADER_BYTES)) };
}
