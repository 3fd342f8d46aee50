import { z } from 'zod';
import { defineContract, method, notification, stream } from './define';
import type { TextEventCodec } from './frames';
import { liveUpdateSchema, type LiveDataOf } from './live';
import { HopSchema, SshTargetSchema } from './ssh';

const SessionId = z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/);
const Cols = z.number().int().min(2).max(1000);
const Rows = z.number().int().min(1).max(500);

export const TerminalTargetSchema = z.discriminatedUnion('kind', [
  /** The user's login shell through a pty. */
  z.object({ kind: z.literal('local'), cwd: z.string().max(4096).optional() }),
  /**
   * An interactive shell on a host through the shared SSH layer (jump hosts, host key checks), or,
   * with `command`, that program in a pty instead of the login shell (e.g. `virsh console`): an
   * argument array, POSIX-quoted for the remote shell like every remote command.
   */
  z.object({ kind: z.literal('ssh'), ...SshTargetSchema.shape, command: z.array(z.string().max(16_384)).min(1).max(256).optional() }),
]);
export type TerminalTarget = z.infer<typeof TerminalTargetSchema>;

export const TerminalSessionSchema = z.object({
  id: SessionId,
  title: z.string(),
  /** "local" or user@host:port. */
  host: z.string(),
  kind: z.enum(['local', 'ssh']),
  state: z.enum(['starting', 'running', 'exited', 'failed']),
  exitCode: z.number().int().nullable().optional(),
  exitSignal: z.string().nullable().optional(),
  cols: Cols,
  rows: Rows,
  pid: z.number().int().optional(),
  /** What was opened (a page that reloads opens its tab again from it). */
  target: TerminalTargetSchema.optional(),
  /** The tab's name when the user renamed it. */
  label: z.string().max(128).optional(),
  /** The page (client id, kept in its sessionStorage) that opened or last attached it. */
  owner: z.string().max(64).optional(),
  /** Wall time the session was opened. */
  createdAtMs: z.number().optional(),
});
export type TerminalSession = z.infer<typeof TerminalSessionSchema>;

/** terminal.live: the sessions the service holds, with how many pages are attached to each. */
export const TerminalLiveSessionSchema = TerminalSessionSchema.extend({ attached: z.number().int().min(0) });
export type TerminalLiveSession = z.infer<typeof TerminalLiveSessionSchema>;
export const TERMINAL_LIVE_COLLECTIONS = { sessions: TerminalLiveSessionSchema };
export const TerminalLiveSchema = liveUpdateSchema(TERMINAL_LIVE_COLLECTIONS);
export type TerminalLiveData = LiveDataOf<typeof TERMINAL_LIVE_COLLECTIONS>;

/** An SSH host the terminal page offers for one-click open. */
export const SavedHostSchema = z.object({
  key: z.string().max(300),
  name: z.string().max(256),
  source: z.enum(['profile', 'sshConfig', 'fleet']),
  /** The fleet group, for fleet hosts. */
  group: z.string().max(128).optional(),
  target: HopSchema,
  jumps: z.array(HopSchema).max(8),
});
export type SavedHost = z.infer<typeof SavedHostSchema>;
export const SavedHostsSchema = z.object({
  hosts: z.array(SavedHostSchema).max(20_000),
  /** A source that could not be read (an unreadable ~/.ssh/config), with why. */
  problems: z.array(z.object({ source: z.enum(['profile', 'sshConfig', 'fleet']), message: z.string().max(2048) })),
});
export type SavedHosts = z.infer<typeof SavedHostsSchema>;

/** Whether a program other than the shell runs in the foreground (closing the tab would end it). */
export const TerminalBusySchema = z.object({
  /** yes: a foreground job runs; no: the shell waits at its prompt; unknown: Drover cannot tell. */
  busy: z.enum(['yes', 'no', 'unknown']),
  /** The foreground program's name, when known. */
  process: z.string().max(256).optional(),
  /** How it was found out (for the docs and the tests). */
  how: z.string().max(128),
});
export type TerminalBusy = z.infer<typeof TerminalBusySchema>;

export const TerminalOutputSchema = z.discriminatedUnion('kind', [
  /** Output batched over a few milliseconds. Acknowledge its length once xterm.js has parsed it. */
  z.object({ kind: z.literal('data'), data: z.string() }),
  z.object({ kind: z.literal('title'), title: z.string().max(512) }),
  z.object({ kind: z.literal('state'), session: TerminalSessionSchema }),
]);
export type TerminalOutput = z.infer<typeof TerminalOutputSchema>;

/** Output data travels as text (a binary frame where the transport can); title and state as JSON. */
export const terminalOutputText: TextEventCodec<TerminalOutput> = {
  toText: (e) => (e.kind === 'data' && typeof e.data === 'string' ? e.data : undefined),
  fromText: (data) => ({ kind: 'data', data }),
};

export const HostRunResultSchema = z.object({
  /** user@host:port of the target. */
  host: z.string(),
  /** The whole route: tells apart one host reached through two jump chains. */
  route: z.string(),
  state: z.enum(['running', 'done', 'failed']),
  exitCode: z.number().int().nullable().optional(),
  stdout: z.string(),
  stderr: z.string(),
  error: z.string().optional(),
  durationMs: z.number().optional(),
});
export type HostRunResult = z.infer<typeof HostRunResultSchema>;

export const terminalContract = defineContract({
  open: method({
    input: z.object({ target: TerminalTargetSchema, cols: Cols, rows: Rows, owner: z.string().max(64).optional(), label: z.string().max(128).optional() }),
    output: TerminalSessionSchema,
    timeoutMs: 60_000,
  }),
  list: method({ input: z.null(), output: z.array(TerminalSessionSchema) }),
  /** The sessions as a live stream (snapshot, then keyed diffs): what a reloaded page reattaches. */
  live: stream({ input: z.null(), event: TerminalLiveSchema }),
  /**
   * The session's recent output (bounded, see TerminalManagerDeps.replayChars) up to now: a page
   * that attaches again writes it first, then subscribes to output, which continues from there.
   */
  replay: method({ input: z.object({ id: SessionId, owner: z.string().max(64).optional() }), output: z.object({ data: z.string(), truncated: z.boolean() }) }),
  /** Names the tab (kept by the service, so a reloaded page shows it); '' goes back to the default. */
  rename: method({ input: z.object({ id: SessionId, label: z.string().max(128) }), output: z.null() }),
  /** Saved SSH hosts: tunnel targets, ~/.ssh/config Host entries (parsed here), the fleet inventory. */
  savedHosts: method({ input: z.null(), output: SavedHostsSchema }),
  /** Whether a foreground job runs in the session (asked before a tab is closed). */
  busy: method({ input: z.object({ id: SessionId }), output: TerminalBusySchema, timeoutMs: 10_000 }),
  /** Ends the process or channel and forgets the session. */
  close: method({ input: z.object({ id: SessionId }), output: z.null() }),
  /** The session's state first, then its output; flow-controlled by ack. */
  output: stream({ input: z.object({ id: SessionId }), event: TerminalOutputSchema, text: terminalOutputText }),
  input: notification({ input: z.object({ id: SessionId, data: z.string().max(1024 * 1024) }) }),
  resize: notification({ input: z.object({ id: SessionId, cols: Cols, rows: Rows }) }),
  /** Characters the renderer has parsed; the source resumes when few are outstanding. */
  ack: notification({ input: z.object({ id: SessionId, chars: z.number().int().min(0) }) }),
  /** Runs one command (an argument array, quoted for the remote shell) on several hosts at once. */
  runOnHosts: stream({
    input: z.object({
      argv: z.array(z.string().max(16_384)).min(1).max(256),
      hosts: z.array(SshTargetSchema).min(1).max(256),
      timeoutSec: z.number().int().min(1).max(3600).default(60),
    }),
    event: HostRunResultSchema,
  }),
});
