import { z } from 'zod';
import { defineContract, method, stream } from './define';
import { ErrorDataSchema } from './errors';
import { liveUpdateSchema, type LiveDataOf } from './live';
import { hostPort } from './net-address';
import { HopSchema, HostName, Port, SshTargetSchema } from './ssh';

const BindPort = z.number().int().min(0).max(65535);
const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/);

const ForwardBase = {
  id: Id,
  /** Binding a non-loopback address exposes the port to the LAN: it must be chosen explicitly. */
  allowLan: z.boolean().default(false),
  /** Check the forward by opening a channel to its destination on an interval. */
  probeIntervalSec: z.number().int().min(0).max(3600).default(0),
};

export const ForwardSpecSchema = z.discriminatedUnion('kind', [
  z.object({ ...ForwardBase, kind: z.literal('local'), bindAddress: HostName.default('127.0.0.1'), bindPort: BindPort, destHost: HostName, destPort: Port }),
  z.object({ ...ForwardBase, kind: z.literal('remote'), bindAddress: HostName.default('127.0.0.1'), bindPort: BindPort, destHost: HostName, destPort: Port }),
  z.object({ ...ForwardBase, kind: z.literal('dynamic'), bindAddress: HostName.default('127.0.0.1'), bindPort: BindPort }),
]);
export type ForwardSpec = z.infer<typeof ForwardSpecSchema>;

export const TunnelProfileSchema = z.object({
  id: Id,
  name: z.string().min(1).max(128),
  /** The target and its ProxyJump chain, first hop first. */
  ...SshTargetSchema.shape,
  forwards: z.array(ForwardSpecSchema).min(1).max(256),
  keepalive: z
    .object({ intervalSec: z.number().int().min(1).max(600).default(5), countMax: z.number().int().min(1).max(100).default(2) })
    .prefault({}),
  /**
   * While the SSH link is down, a new client is held this long (a quick reconnect catches it),
   * then refused (reset) so it fails fast instead of hanging for the whole outage.
   */
  holdClientsSec: z.number().int().min(0).max(120).default(3),
  /** Like ssh's ExitOnForwardFailure: a forward that cannot be set up stops the whole tunnel. */
  exitOnForwardFailure: z.boolean().default(true),
  unknownHostKey: z.enum(['ask', 'accept-new', 'refuse']).default('ask'),
  ciphers: z.array(z.string().max(64)).max(16).optional(),
  autostart: z.boolean().default(false),
});
export type TunnelProfile = z.infer<typeof TunnelProfileSchema>;
export type TunnelProfileInput = z.input<typeof TunnelProfileSchema>;

export const ForwardStateSchema = z.enum(['stopped', 'starting', 'listening', 'connecting', 'up', 'backoff', 'waiting', 'port-in-use', 'failed']);
export type ForwardState = z.infer<typeof ForwardStateSchema>;

export const ForwardStatusSchema = z.object({
  id: Id,
  kind: z.enum(['local', 'remote', 'dynamic']),
  /** ssh-style spec, e.g. "127.0.0.1:9092 → 10.0.0.5:9092". */
  label: z.string(),
  state: ForwardStateSchema,
  exposesLan: z.boolean(),
  boundPort: z.number().int().optional(),
  activeConnections: z.number().int(),
  totalConnections: z.number().int(),
  failedConnections: z.number().int(),
  bytesIn: z.number(),
  bytesOut: z.number(),
  lastError: ErrorDataSchema.optional(),
  /** When lastError happened. */
  lastErrorAtMs: z.number().optional(),
  probe: z.object({ ok: z.boolean(), latencyMs: z.number().optional(), atMs: z.number(), error: z.string().optional() }).optional(),
});
export type ForwardStatus = z.infer<typeof ForwardStatusSchema>;

export const TunnelStateSchema = z.enum(['stopped', 'starting', 'connecting', 'up', 'degraded', 'backoff', 'waiting', 'failed']);
export type TunnelState = z.infer<typeof TunnelStateSchema>;

export const TunnelStatusSchema = z.object({
  profileId: Id,
  state: TunnelStateSchema,
  /** The shared connection (route) this tunnel rides on. */
  route: z.string(),
  attempt: z.number().int().optional(),
  retryAtMs: z.number().optional(),
  upSinceMs: z.number().optional(),
  /** What keeps it from being up, with a hint; set in backoff, waiting and failed. */
  error: ErrorDataSchema.optional(),
  /** When that error was first seen (it stays the same across retries with the same cause). */
  errorAtMs: z.number().optional(),
  forwards: z.array(ForwardStatusSchema),
  seq: z.number().int(),
});
export type TunnelStatus = z.infer<typeof TunnelStatusSchema>;

/** One state change of a tunnel, kept for the session. */
export const TunnelHistoryEventSchema = z.object({
  atMs: z.number(),
  state: TunnelStateSchema,
  attempt: z.number().int().optional(),
  error: ErrorDataSchema.optional(),
});
export type TunnelHistoryEvent = z.infer<typeof TunnelHistoryEventSchema>;

/** A time the tunnel was down after having been up: from when, until when (absent while it lasts), why. */
export const TunnelOutageSchema = z.object({ fromMs: z.number(), toMs: z.number().optional(), cause: ErrorDataSchema.optional() });
export type TunnelOutage = z.infer<typeof TunnelOutageSchema>;

export const TunnelHistorySchema = z.object({
  /** The latest state changes, oldest first (bounded). */
  events: z.array(TunnelHistoryEventSchema),
  /** How often it came back up after being up before. */
  reconnects: z.number().int(),
  /** Time spent down after having been up (finished outages), this session. */
  downMs: z.number(),
  /** The latest outages, oldest first (bounded); the last one is open while the tunnel is down. */
  outages: z.array(TunnelOutageSchema),
});
export type TunnelHistory = z.infer<typeof TunnelHistorySchema>;

/** The order profiles are listed in (creation order, so cards do not jump around). */
export const TunnelListSchema = z.object({ ids: z.array(Id) });

/** tunnels.live: profiles, statuses (per-forward counters inside) and histories, keyed by profile id. */
export const TUNNEL_LIVE_COLLECTIONS = {
  list: TunnelListSchema,
  profiles: TunnelProfileSchema,
  status: TunnelStatusSchema,
  history: TunnelHistorySchema,
};
export const TunnelLiveSchema = liveUpdateSchema(TUNNEL_LIVE_COLLECTIONS);
export type TunnelLiveData = LiveDataOf<typeof TUNNEL_LIVE_COLLECTIONS>;

export const ImportWarningSchema = z.object({ option: z.string(), message: z.string() });

export const ImportResultSchema = z.object({
  profile: TunnelProfileSchema,
  warnings: z.array(ImportWarningSchema),
});
export type ImportResult = z.infer<typeof ImportResultSchema>;

/** A Host alias of ~/.ssh/config, resolved like `ssh -G`: a target for new profiles. */
export const SshConfigHostSchema = z.object({
  alias: z.string(),
  target: HopSchema,
  jumps: z.array(HopSchema),
  keepalive: z.object({ intervalSec: z.number().int(), countMax: z.number().int() }).optional(),
  /** The host's Local/Remote/DynamicForward lines as forwards (may be empty). */
  forwards: z.array(ForwardSpecSchema),
  warnings: z.array(ImportWarningSchema),
});
export type SshConfigHost = z.infer<typeof SshConfigHostSchema>;

export const tunnelsContract = defineContract({
  list: method({ input: z.null(), output: z.array(TunnelProfileSchema) }),
  /** Creates or replaces a profile (by id); a running tunnel restarts with the new settings. */
  save: method({ input: TunnelProfileSchema, output: TunnelProfileSchema }),
  remove: method({ input: z.object({ id: Id }), output: z.null() }),
  start: method({ input: z.object({ id: Id }), output: TunnelStatusSchema }),
  stop: method({ input: z.object({ id: Id }), output: TunnelStatusSchema }),
  /** Forget the backoff and reconnect now. */
  retryNow: method({ input: z.object({ id: Id }), output: TunnelStatusSchema }),
  /** Parses an autossh or ssh command line into a profile draft (not saved) with warnings. */
  importCommand: method({ input: z.object({ text: z.string().min(1).max(16_384) }), output: ImportResultSchema }),
  /** The concrete Host aliases of ~/.ssh/config, resolved, to start profiles from. */
  importSshConfig: method({ input: z.null(), output: z.object({ path: z.string(), hosts: z.array(SshConfigHostSchema), warnings: z.array(ImportWarningSchema) }) }),
  /** A snapshot of profiles, statuses and histories, then keyed diffs (at most a few a second). */
  live: stream({ input: z.null(), event: TunnelLiveSchema }),
});

/** "-L 127.0.0.1:9092 → 10.0.0.5:9092": how a forward is named everywhere (service, CLI, UI). */
export function forwardLabel(f: ForwardSpec): string {
  const b = hostPort(f.bindAddress, f.bindPort);
  if (f.kind === 'dynamic') return `-D ${b} (SOCKS5)`;
  const d = hostPort(f.destHost, f.destPort);
  return f.kind === 'local' ? `-L ${b} → ${d}` : `-R ${b} → ${d}`;
}
