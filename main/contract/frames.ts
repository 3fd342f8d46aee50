import { z } from 'zod';
import { ErrorDataSchema } from './errors';

/** Version of the frame protocol; bump when frames change incompatibly. */
export const PROTOCOL_VERSION = 1;

/** Default upper bound of one frame, in UTF-16 code units of its JSON text. */
export const DEFAULT_MAX_FRAME_CHARS = 4 * 1024 * 1024;

const Id = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Name = z.string().min(3).max(128).regex(/^[a-zA-Z][a-zA-Z0-9]*\.[a-zA-Z][a-zA-Z0-9]*$/);

export const ClientFrameSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('req'), id: Id, m: Name, p: z.unknown() }).strict(),
  z.object({ t: z.literal('cancel'), id: Id }).strict(),
  z.object({ t: z.literal('sub'), id: Id, m: Name, p: z.unknown() }).strict(),
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
