import { z } from 'zod';
import { defineContract, method, stream } from './define';

export const HostKeyPromptSchema = z.object({
  id: z.string().max(64),
  host: z.string(),
  port: z.number().int(),
  keyType: z.string(),
  fingerprintSha256: z.string(),
  /** Set when the host is known with other keys: never offered for approval, shown as refused. */
  reason: z.enum(['unknown']),
  expiresAtMs: z.number(),
});
export type HostKeyPrompt = z.infer<typeof HostKeyPromptSchema>;

export const sshContract = defineContract({
  /** Unknown host keys waiting for a person: current ones first, then new ones; 'resolved' when answered or expired. */
  hostKeyPrompts: stream({
    input: z.null(),
    event: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('prompt'), prompt: HostKeyPromptSchema }),
      z.object({ kind: z.literal('resolved'), id: z.string(), trusted: z.boolean() }),
    ]),
  }),
  /** Trust (and record in Drover's known_hosts) or refuse a prompted host key. */
  answerHostKey: method({ input: z.object({ id: z.string().max(64), trust: z.boolean() }), output: z.null() }),
});
