import type { AppImpl, ContractImpl } from '../../main/contract/define';
import { AppError } from '../../main/contract/errors';
import { appContract, type AppApi, type AppContractType } from '../../main/contract/index';
import type { Disposable } from '../../main/contract/lifecycle';
import { ReconnectingConnection, type ConnectionState } from '../../renderer/src/api/reconnecting-connection';
import { ManualClock } from './manual-clock';
import { InMemoryRpcServer } from './rpc-pair';

/**
 * The renderer's link to the services as the page has it (the real ReconnectingConnection over
 * the real RPC engine), with fake services in memory and time on a ManualClock: stores under
 * test get `api` and `link`, and the test loses and restores the connection at will.
 */

/** Some entries of some namespaces; every other entry fails with UNSUPPORTED. */
export type FakeAppImpl = { readonly [NS in keyof AppContractType]?: Partial<ContractImpl<AppContractType[NS]>> };

export function fakeAppImpl(partial: FakeAppImpl): AppImpl<AppContractType> {
  const impl: Record<string, Record<string, unknown>> = {};
  for (const [ns, entries] of Object.entries(appContract)) {
    const given = (partial as Record<string, Record<string, unknown> | undefined>)[ns] ?? {};
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(entries)) {
      out[name] =
        given[name] ??
        (() => {
          throw new AppError('UNSUPPORTED', `${ns}.${name} is not faked in this test`);
        });
    }
    impl[ns] = out;
  }
  return impl as unknown as AppImpl<AppContractType>;
}

/** Lets the in-memory transport (microtasks) and the engine run until cond holds. */
export async function until(what: string, cond: () => boolean, maxTurns = 500): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (cond()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

/** A few turns of the event loop: what is in flight in memory has arrived afterwards. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export interface RendererLinkOptions {
  /** How long a call made while the link is down waits for it (ReconnectingConnection's waitForOpenMs). */
  waitForOpenMs?: number;
}

export class RendererLink implements Disposable {
  readonly clock = new ManualClock();
  readonly server: InMemoryRpcServer<AppContractType>;
  readonly link: ReconnectingConnection;
  /** Every state the link went through, in order. */
  readonly states: ConnectionState[] = [];

  constructor(impl: FakeAppImpl, options: RendererLinkOptions = {}) {
    this.server = new InMemoryRpcServer(appContract, fakeAppImpl(impl));
    this.link = new ReconnectingConnection({
      open: this.server.dial,
      clock: this.clock,
      random: () => 0.5,
      livenessIntervalMs: 0,
      waitForOpenMs: options.waitForOpenMs ?? 1_000,
    });
    this.link.onDidChangeState((s) => this.states.push(s));
  }

  get api(): AppApi {
    return this.link.api;
  }

  get status(): ConnectionState['status'] {
    return this.link.state.status;
  }

  /** Starts the link and waits until it is open. */
  async open(): Promise<void> {
    this.link.start();
    await until('the link opens', () => this.status === 'open');
    await settle();
  }

  /**
   * The connection drops (the server side closes it); resolves once the page has noticed. With
   * stayDown, dials fail too (the host is gone) until restore(); otherwise the link's next retry
   * (a backoff of a few hundred ms on the ManualClock) gets through.
   */
  async lose(options: { stayDown?: boolean } = {}): Promise<void> {
    if (options.stayDown) this.server.refuse(new AppError('UNAVAILABLE', 'cannot reach the Drover web host (test: host down)'));
    this.server.drop();
    await until('the link notices the drop', () => this.status === 'reconnecting');
  }

  /** Lets the backoff run out so the link dials again; resolves once it is open and streams are attached again. */
  async restore(): Promise<void> {
    this.server.refuse(null);
    for (let i = 0; i < 20 && this.status !== 'open'; i++) {
      await this.clock.advance(1_000);
      await settle(5);
    }
    await until('the link is open again', () => this.status === 'open');
    await settle();
  }

  dispose(): void {
    this.link.dispose();
    this.server.dispose();
  }
}
