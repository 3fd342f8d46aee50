import type { ErrorData } from '../contract/errors';
import type { TunnelHistory, TunnelStatus } from '../contract/tunnels';

const MAX_EVENTS = 100;
const MAX_OUTAGES = 20;

/**
 * What happened to one tunnel this session: every state change with its time and cause, how often
 * it reconnected and how long it was down. An outage starts when a tunnel that was up leaves 'up'
 * (without being stopped) and ends when it is up again.
 */
export class TunnelHistoryRecorder {
  private history: TunnelHistory = { events: [], reconnects: 0, downMs: 0, outages: [] };
  private lastState: TunnelStatus['state'] | undefined;
  private lastErrorKey: string | undefined;
  private errorAtMs: number | undefined;
  private wasUp = false;

  get value(): TunnelHistory {
    return this.history;
  }

  /** When the current error was first seen (undefined when there is none). */
  get currentErrorAtMs(): number | undefined {
    return this.errorAtMs;
  }

  record(status: TunnelStatus, nowMs: number): void {
    const errorKey = status.error ? `${status.error.code}:${status.error.message}` : undefined;
    if (errorKey !== this.lastErrorKey) {
      this.lastErrorKey = errorKey;
      this.errorAtMs = errorKey ? nowMs : undefined;
    }
    const stateChanged = status.state !== this.lastState;
    const attemptChanged = status.state === 'backoff' && this.history.events.at(-1)?.attempt !== status.attempt;
    if (!stateChanged && !attemptChanged) return;
    this.lastState = status.state;
    const events = [...this.history.events, { atMs: nowMs, state: status.state, ...(status.attempt !== undefined ? { attempt: status.attempt } : {}), ...(status.error ? { error: status.error } : {}) }].slice(-MAX_EVENTS);
    let { reconnects, downMs, outages } = this.history;
    const open = outages.at(-1)?.toMs === undefined ? outages.at(-1) : undefined;
    if (status.state === 'up') {
      if (open) {
        outages = [...outages.slice(0, -1), { ...open, toMs: nowMs }];
        downMs += nowMs - open.fromMs;
      }
      if (this.wasUp) reconnects++;
      this.wasUp = true;
    } else if (status.state === 'stopped') {
      // A person stopped it: an open outage ends here, and the next start is not a reconnect.
      if (open) {
        outages = [...outages.slice(0, -1), { ...open, toMs: nowMs }];
        downMs += nowMs - open.fromMs;
      }
      this.wasUp = false;
    } else if (this.wasUp && !open && status.state !== 'starting' && status.state !== 'degraded') {
      outages = [...outages, { fromMs: nowMs, ...(status.error ? { cause: status.error as ErrorData } : {}) }].slice(-MAX_OUTAGES);
    }
    this.history = { events, reconnects, downMs, outages };
  }
}
