import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../main/contract/errors';
import type { FleetHost } from '../../main/contract/fleet';
import { Emitter } from '../../main/contract/lifecycle';
import type { ProbeConnection, ProbeOutcome, ProbeRunOptions, ProbeTransport } from '../../main/fleet/probe/probe-transport';

const FIX = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/fleet/local');

/** The two real probe outputs captured on the build VM (test/fixtures/fleet/README.md). */
export const CAPTURED_PROBES = [fs.readFileSync(path.join(FIX, 'probe.debian12-vm.1.txt'), 'utf8'), fs.readFileSync(path.join(FIX, 'probe.debian12-vm.2.txt'), 'utf8')] as const;

/** round: the transport's round counter; probe: how many times this host was probed before. */
export type FakeAnswer = (host: FleetHost, argv: string[], round: number, probe: number) => ProbeOutcome | Promise<ProbeOutcome>;

/** A probe outcome that printed this text. */
export function answered(stdout: string, durationMs = 40): ProbeOutcome {
  return { ok: true, stdout, stderr: '', code: 0, durationMs };
}

export function refused(message = 'connect ECONNREFUSED 127.0.0.1:22'): ProbeOutcome {
  return { ok: false, error: new AppError('UNAVAILABLE', message, { hint: 'is sshd running?' }), timedOut: false, durationMs: 1 };
}

/**
 * A ProbeTransport without SSH: each host answers with what `answer` returns (default: the captured
 * outputs, alternating so rates have a previous sample), with real or no delay; connections are
 * fake leases whose state the test sets. Counts what was asked of it.
 */
export class FakeProbeTransport implements ProbeTransport {
  readonly held = new Map<string, number>();
  readonly argvs: string[][] = [];
  rounds = 0;
  maxInFlight = 0;
  private inFlight = 0;
  readonly states = new Map<string, { state: string; error?: AppError; emitter: Emitter<string>; retries: number }>();

  private readonly probes = new Map<string, number>();

  constructor(public answer: FakeAnswer = (_h, _a, _round, probe) => answered(CAPTURED_PROBES[probe % 2]!)) {}

  hold(host: FleetHost): ProbeConnection {
    this.held.set(host.id, (this.held.get(host.id) ?? 0) + 1);
    let s = this.states.get(host.id);
    if (!s) this.states.set(host.id, (s = { state: 'ready', emitter: new Emitter<string>(), retries: 0 }));
    const st = s;
    let released = false;
    return {
      get state() {
        return st.state;
      },
      get error() {
        return st.error;
      },
      onDidChangeState: st.emitter.event,
      retryNow: () => {
        st.retries++;
      },
      dispose: () => {
        if (released) return;
        released = true;
        this.held.set(host.id, (this.held.get(host.id) ?? 1) - 1);
      },
    };
  }

  setState(hostId: string, state: string, error?: AppError): void {
    const s = this.states.get(hostId);
    if (!s) return;
    s.state = state;
    s.error = error;
    s.emitter.fire(state);
  }

  get heldCount(): number {
    let n = 0;
    for (const v of this.held.values()) n += v;
    return n;
  }

  async run(hosts: readonly FleetHost[], argvFor: (host: FleetHost) => string[], options: ProbeRunOptions): Promise<void> {
    const round = this.rounds++;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < hosts.length; i = next++) {
        if (options.signal.aborted) return;
        const host = hosts[i]!;
        const argv = argvFor(host);
        this.argvs.push(argv);
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        try {
          const probe = this.probes.get(host.id) ?? 0;
          this.probes.set(host.id, probe + 1);
          options.onOutcome(host, await this.answer(host, argv, round, probe));
        } finally {
          this.inFlight--;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, hosts.length)) }, worker));
  }
}
