import { systemClock, type Clock } from '../contract/clock';
import type { ContractImpl } from '../contract/define';
import type { Notice } from '../contract/system';
import { Emitter, type Disposable } from '../contract/lifecycle';
import type { systemContract } from '../contract/system';


export interface SystemServiceOptions {
  version: string;
  transport: 'electron' | 'web';
  configDir: string;
  clock?: Clock;
}

/** Process facts, a ping, a heartbeat stream, and the notices other services raise. */
export class SystemService implements Disposable {
  private readonly notices: Notice[] = [];
  private readonly noticeEmitter = new Emitter<Notice>();
  private readonly startedAtMs: number;
  private readonly clock: Clock;

  constructor(private readonly options: SystemServiceOptions) {
    this.clock = options.clock ?? systemClock;
    this.startedAtMs = this.clock.now();
  }

  /** Raise a notice for the UI (shown as a toast, kept in the list for late joiners). */
  notify(notice: Notice): void {
    this.notices.push(notice);
    if (this.notices.length > 200) this.notices.shift();
    this.noticeEmitter.fire(notice);
  }

  readonly impl: ContractImpl<typeof systemContract> = {
    info: () => ({
      name: 'drover' as const,
      version: this.options.version,
      transport: this.options.transport,
      platform: `${process.platform}-${process.arch}`,
      node: process.versions.node,
      pid: process.pid,
      startedAtMs: this.startedAtMs,
      configDir: this.options.configDir,
      notices: [...this.notices],
    }),
    ping: ({ echo }) => ({ echo, serverTimeMs: this.clock.now() }),
    heartbeat: ({ intervalMs }, sink) => {
      let seq = 0;
      return this.clock.setInterval(() => sink.next({ seq: ++seq, serverTimeMs: this.clock.now() }), intervalMs);
    },
    notices: (_input, sink) => this.noticeEmitter.event((n) => sink.next(n)),
  };

  dispose(): void {
    this.noticeEmitter.dispose();
  }
}
