import { z } from 'zod';
import { defineContract, method, stream } from './define';
import { ErrorDataSchema } from './errors';

export const NoticeSchema = z.object({
  id: z.string().max(128),
  level: z.enum(['info', 'warning', 'error']),
  /** i18n key under "notice." in the renderer, with values; message is the English fallback. */
  key: z.string().max(128),
  values: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  message: z.string().max(4096),
  error: ErrorDataSchema.optional(),
});
export type Notice = z.infer<typeof NoticeSchema>;

export const SystemInfoSchema = z.object({
  name: z.literal('drover'),
  version: z.string(),
  transport: z.enum(['electron', 'web']),
  platform: z.string(),
  node: z.string(),
  pid: z.number().int(),
  startedAtMs: z.number(),
  configDir: z.string(),
  notices: z.array(NoticeSchema),
});
export type SystemInfo = z.infer<typeof SystemInfoSchema>;

export const systemContract = defineContract({
  info: method({ input: z.null(), output: SystemInfoSchema }),
  /** Round trip: echoes the text back with the server's clock, for health checks and tests. */
  ping: method({
    input: z.object({ echo: z.string().max(4096) }),
    output: z.object({ echo: z.string(), serverTimeMs: z.number() }),
  }),
  /** A tick every intervalMs, for transport health and tests of streams. */
  heartbeat: stream({
    input: z.object({ intervalMs: z.number().int().min(50).max(60_000) }),
    event: z.object({ seq: z.number().int(), serverTimeMs: z.number() }),
  }),
  /** Notices raised while running (settings kept aside, secret store degraded, ...). */
  notices: stream({ input: z.null(), event: NoticeSchema }),
});
