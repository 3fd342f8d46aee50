/**
 * Serves the RPC routes to one window over MessagePorts. Each accepted 'drover:hello' gets a fresh
 * MessageChannelMain: port1 is served here, port2 goes to the page. A window has at most one live
 * connection: a new hello (the page reloaded) closes the previous one and frees its calls and
 * subscriptions, as does the port's 'close' event and dispose(). No runtime Electron dependency.
 */
import type { Disposable } from '../main/contract/lifecycle';
import { serveConnection, type createRouter } from '../main/contract/rpc-server';
import { messagePortEndpoint, type MessagePortLike } from './message-port-endpoint';

export interface PortServerOptions<P> {
  routes: ReturnType<typeof createRouter>;
  /** new MessageChannelMain() in Electron. */
  createChannel: () => { port1: MessagePortLike; port2: P };
  /** A name for connection ids and logs, e.g. "window-1". */
  name: string;
  log?: (message: string) => void;
  onInternalError?: (err: unknown, where: string) => void;
}

export class PortServer<P> implements Disposable {
  private current: { id: string; connection: Disposable } | null = null;
  private seq = 0;
  private disposed = false;

  constructor(private readonly options: PortServerOptions<P>) {}

  /** The id of the live connection, if any (for tests and logs). */
  get connectionId(): string | null {
    return this.current?.id ?? null;
  }

  /**
   * Replaces the live connection with a new one and hands the page's end to deliver (which posts
   * it to the window). Returns the new connection id.
   */
  connect(deliver: (port: P) => void): string {
    if (this.disposed) throw new Error('port server is disposed');
    this.closeCurrent('replaced by a new connection');
    const { port1, port2 } = this.options.createChannel();
    const id = `${this.options.name}:${++this.seq}`;
    const endpoint = messagePortEndpoint(port1);
    const connection = serveConnection(endpoint, this.options.routes, {
      connectionId: id,
      serverName: 'drover-electron',
      onInternalError: this.options.onInternalError,
    });
    const entry = { id, connection };
    this.current = entry;
    endpoint.onClose((reason) => {
      if (this.current === entry) {
        this.current = null;
        this.options.log?.(`connection ${id} closed: ${reason}`);
      }
    });
    try {
      deliver(port2);
    } catch (err) {
      this.closeCurrent('delivery failed');
      throw err;
    }
    return id;
  }

  /** Closes the live connection, if any (the renderer crashed); a later hello opens a new one. */
  disconnect(reason: string): void {
    this.closeCurrent(reason);
  }

  private closeCurrent(reason: string): void {
    const entry = this.current;
    if (!entry) return;
    this.current = null;
    this.options.log?.(`connection ${entry.id} closed: ${reason}`);
    entry.connection.dispose();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.closeCurrent('window closed');
  }
}

