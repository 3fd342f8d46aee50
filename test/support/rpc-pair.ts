import type { AppContract, AppImpl, ClientApi } from '../../main/contract/define';
import { createEndpointPair, type FrameEndpoint } from '../../main/contract/endpoint';
import type { Disposable } from '../../main/contract/lifecycle';
import { createClient, type ClientOptions, type RpcClient } from '../../main/contract/rpc-client';
import { createRouter, serveConnection, type ServeOptions } from '../../main/contract/rpc-server';

/**
 * The RPC engine's two ends in one process: a server for `impl` (the real serveConnection) and a
 * typed client (the real createClient), joined by the in-memory endpoint pair, which is
 * asynchronous like a real transport. For tests of services over the engine and of the engine.
 */

export interface RpcPairOptions {
  /** Passed to serveConnection; connectionId defaults to 'test'. */
  serve?: Partial<ServeOptions>;
  client?: ClientOptions;
}

export interface RpcPair<C extends AppContract> extends Disposable {
  readonly client: RpcClient<C>;
  readonly api: ClientApi<C>;
  /** The served connection (dispose() ends it from the server side). */
  readonly server: Disposable;
  readonly serverEnd: FrameEndpoint;
  readonly clientEnd: FrameEndpoint;
}

/** A server and a client over one in-memory connection; calls may be made at once (they wait for the hello). */
export function createRpcPair<C extends AppContract>(contract: C, impl: AppImpl<C>, options: RpcPairOptions = {}): RpcPair<C> {
  const routes = createRouter(contract, impl);
  const [serverEnd, clientEnd] = createEndpointPair();
  const server = serveConnection(serverEnd, routes, { connectionId: 'test', ...options.serve });
  const client = createClient(clientEnd, contract, options.client);
  return {
    client,
    api: client.api,
    server,
    serverEnd,
    clientEnd,
    dispose() {
      client.dispose();
      server.dispose();
    },
  };
}

/** createRpcPair, once the server's hello has arrived. */
export async function startRpcPair<C extends AppContract>(contract: C, impl: AppImpl<C>, options: RpcPairOptions = {}): Promise<RpcPair<C>> {
  const pair = createRpcPair(contract, impl, options);
  await pair.client.ready;
  return pair;
}

/**
 * An in-memory server that accepts any number of connections, for clients that dial again after
 * a drop (the renderer's ReconnectingConnection takes `dial` as its `open`). drop() loses every
 * open connection at once, as a restarted host or a broken network would; refuse() makes the
 * next dials fail until it is called with null.
 */
export class InMemoryRpcServer<C extends AppContract> implements Disposable {
  private readonly routes: ReturnType<typeof createRouter<C>>;
  private readonly open = new Map<FrameEndpoint, { server: Disposable; serverEnd: FrameEndpoint }>();
  private refusal: Error | null = null;
  private dialed = 0;

  constructor(
    contract: C,
    impl: AppImpl<C>,
    private readonly serveOptions: Partial<ServeOptions> = {},
  ) {
    this.routes = createRouter(contract, impl);
  }

  /** How many connections were accepted so far. */
  get accepted(): number {
    return this.dialed;
  }

  /** Connections open right now. */
  get connections(): number {
    return this.open.size;
  }

  /** Opens a connection and returns the client's end; rejects while refused. */
  readonly dial = async (): Promise<FrameEndpoint> => {
    if (this.refusal) throw this.refusal;
    const [serverEnd, rawClientEnd] = createEndpointPair();
    // The client is built once dial() has resolved, after the server's hello went out: like a
    // socket, the client's end holds what arrives until someone listens.
    const clientEnd = holdUntilListened(rawClientEnd);
    const server = serveConnection(serverEnd, this.routes, { ...this.serveOptions, connectionId: `c${++this.dialed}` });
    this.open.set(clientEnd, { server, serverEnd });
    serverEnd.onClose(() => this.open.delete(clientEnd));
    return clientEnd;
  };

  /** Loses every open connection (both ends see it closed). */
  drop(): void {
    for (const { serverEnd } of this.open.values()) serverEnd.close();
  }

  /** Dials fail with `err` (null: accept again). */
  refuse(err: Error | null): void {
    this.refusal = err;
  }

  dispose(): void {
    for (const { server, serverEnd } of this.open.values()) {
      server.dispose();
      serverEnd.close();
    }
    this.open.clear();
  }
}

/** An endpoint that keeps incoming frames until its first message listener, then hands them over in order. */
function holdUntilListened(inner: FrameEndpoint): FrameEndpoint {
  const held: unknown[] = [];
  const listeners = new Set<(data: unknown) => void>();
  const deliver = (data: unknown) => {
    for (const l of [...listeners]) l(data);
  };
  inner.onMessage((data) => {
    // While held frames wait for their hand-over, later ones queue behind them.
    if (listeners.size === 0 || held.length > 0) held.push(data);
    else deliver(data);
  });
  return {
    send: (text) => inner.send(text),
    ...(inner.sendBinary ? { sendBinary: (bytes: Uint8Array) => inner.sendBinary!(bytes) } : {}),
    onMessage(listener) {
      listeners.add(listener);
      if (held.length) {
        queueMicrotask(() => {
          while (held.length) deliver(held.shift());
        });
      }
      return { dispose: () => listeners.delete(listener) };
    },
    onClose: (listener) => inner.onClose(listener),
    close: () => inner.close(),
  };
}
