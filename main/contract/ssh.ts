import { z } from 'zod';
import { defineContract, method, stream } from './define';
import { hostPort } from './net-address';

export const HostName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9._:%[\]-]+$/, 'a host name or IP address');
export const Port = z.number().int().min(1).max(65535);

/** One SSH login: a jump host or a target. Every feature that reaches a machine over SSH uses it. */
export const HopSchema = z.object({
  host: HostName,
  port: Port.default(22),
  user: z.string().min(1).max(64).regex(/^[A-Za-z0-9._][A-Za-z0-9._@-]*$/, 'a user name'),
  identityFiles: z.array(z.string().min(1).max(4096)).max(16).optional(),
  useAgent: z.boolean().optional(),
  /** Secret-store id of a password for password / keyboard-interactive login. */
  passwordSecretId: z.string().max(256).optional(),
});
export type Hop = z.infer<typeof HopSchema>;

/** A machine reached through zero or more jump hosts (OpenSSH ProxyJump order: first hop first). */
export const SshTargetSchema = z.object({
  target: HopSchema,
  jumps: z.array(HopSchema).max(8).default([]),
});
export type SshTarget = z.infer<typeof SshTargetSchema>;

/** user@host:port (IPv6 in brackets): how a hop is named in logs, errors and the UI. */
export function hopLabel(h: Pick<Hop, 'user' | 'host' | 'port'>): string {
  return `${h.user}@${hostPort(h.host, h.port)}`;
}

/** user@host, with :port only when it is not 22: the short form for titles. */
export function shortHopLabel(h: Pick<Hop, 'user' | 'host' | 'port'>): string {
  return h.port === 22 ? `${h.user}@${h.host.includes(':') ? `[${h.host}]` : h.host}` : hopLabel(h);
}

/** The whole chain, first jump first: "a@j:22 > b@t:22". */
export function routeLabel(target: Pick<Hop, 'user' | 'host' | 'port'>, jumps: readonly Pick<Hop, 'user' | 'host' | 'port'>[] = []): string {
  return [...jumps, target].map(hopLabel).join(' > ');
}

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
