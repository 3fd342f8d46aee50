import WebSocket from 'ws';
import type { Clock } from '../../contract/clock';
import { AppError } from '../../contract/errors';
import { Emitter, type Disposable, type Event } from '../../contract/lifecycle';
import { httpStatusError, rpcErrorToAppError, timeoutError, transportError, type JsonRpcErrorObject } from './rpc-errors';

export interface RpcSubscriptionHandlers<T = unknown> {
  /** One value sent on the channel (xrpc.ch.val). */
  next(value: T): void;
  /** The channel ended: undefined when the server closed it or it was disposed, an error when the connection dropped. */
  end?(error?: AppError): void;
}

export interface RpcSubscription extends Disposable {
  readonly channelId: number;
  readonly closed: boolean;
}

interface Pending {
  method: string;
  resolve(v: unknown): void;
  reject(e: AppError): void;
  cleanup(): void;
  /** For channel-returning methods: registered synchronously when the answer arrives. */
  subscribe?: RpcSubscriptionHandlers;
  subscription?: ChannelSubscription;
}

class ChannelSubscription implements RpcSubscription {
  closed = false;
  constructor(
    readonly channelId: number,
    private readonly requestId: number,
    private readonly handlers: RpcSubscriptionHandlers,
    private readonly conn: LotusWsConnection,
  ) {}

  deliver(value: unknown): void {
    if (this.closed) return;
    try {
      this.handlers.next(value);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  end(error?: AppError): void {
    if (this.closed) return;
    this.closed = true;
    this.conn.forgetChannel(this.channelId);
    try {
      this.handlers.end?.(error);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  dispose(): void {
    if (this.closed) return;
    // go-jsonrpc: cancelling the original request ends the method's context, and with it the channel.
    this.conn.notify('xrpc.cancel', [this.requestId]);
    this.end(undefined);
  }
}

export interface WsOpenOptions {
  url: string;
  token?: string;
  clock: Clock;
  timeoutMs: number;
  /** Label for messages (the URL without credentials). */
  where: string;
  maxPayloadBytes: number;
  signal?: AbortSignal;
}

/**
 * One WebSocket to a lotus JSON-RPC endpoint (go-jsonrpc): requests multiplexed by id, channel
 * values (xrpc.ch.val / xrpc.ch.close) routed to subscriptions, xrpc.cancel on timeout, abort and
 * unsubscribe. Every timer goes through the Clock.
 */
export class LotusWsConnection implements Disposable {
  private readonly pending = new Map<number, Pending>();
  private readonly channels = new Map<number, ChannelSubscription>();
  private nextId = 1;
  private closedFlag = false;
  private readonly closeEmitter = new Emitter<AppError | undefined>();
  /** Fires once when the socket is gone (the error, or undefined when disposed). */
  readonly onDidClose: Event<AppError | undefined> = this.closeEmitter.event;

  private constructor(
    private readonly ws: WebSocket,
    private readonly opts: WsOpenOptions,
  ) {
    ws.on('message', (data, isBinary) => this.onMessage(isBinary ? undefined : data.toString()));
    ws.on('close', (code, reason) => this.markClosed(new AppError('UNAVAILABLE', `${opts.where} closed the WebSocket (${code}${reason.length ? ` ${reason.toString().slice(0, 200)}` : ''})`, { hint: 'Drover reconnects on the next call; subscriptions must be made again.' })));
    ws.on('error', (err) => this.markClosed(transportError('websocket', opts.where, err)));
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  static open(opts: WsOpenOptions): Promise<LotusWsConnection> {
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted) {
        reject(new AppError('CANCELLED', `connecting to ${opts.where} was cancelled`));
        return;
      }
      const headers: Record<string, string> = {};
      if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
      const ws = new WebSocket(opts.url, { headers, perMessageDeflate: false, maxPayload: opts.maxPayloadBytes });
      let settled = false;
      const finish = (err?: AppError) => {
        if (settled) return;
        settled = true;
        timer.dispose();
        opts.signal?.removeEventListener('abort', onAbort);
        ws.removeListener('open', onOpen);
        if (err) {
          ws.removeAllListeners();
          ws.on('error', () => undefined);
          ws.terminate();
          reject(err);
        } else {
          ws.removeListener('error', onError);
          ws.removeListener('unexpected-response', onUnexpected);
          resolve(new LotusWsConnection(ws, opts));
        }
      };
      const onOpen = () => finish();
      const onError = (err: Error) => finish(transportError('websocket', opts.where, err));
      const onUnexpected = (req: { destroy(): void }, res: { statusCode?: number; resume(): void }) => {
        res.resume();
        req.destroy();
        finish(httpStatusError('websocket upgrade', opts.where, res.statusCode ?? 0, ''));
      };
      const onAbort = () => finish(new AppError('CANCELLED', `connecting to ${opts.where} was cancelled`));
      const timer = opts.clock.setTimeout(() => finish(timeoutError('websocket connect', opts.where, opts.timeoutMs)), opts.timeoutMs);
      ws.once('open', onOpen);
      ws.on('error', onError);
      ws.once('unexpected-response', onUnexpected);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  call(method: string, params: readonly unknown[], timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    return this.request(method, params, timeoutMs, signal);
  }

  subscribe(method: string, params: readonly unknown[], handlers: RpcSubscriptionHandlers, timeoutMs: number, signal?: AbortSignal): Promise<RpcSubscription> {
    return this.request(method, params, timeoutMs, signal, handlers) as Promise<RpcSubscription>;
  }

  private request(method: string, params: readonly unknown[], timeoutMs: number, signal?: AbortSignal, subscribe?: RpcSubscriptionHandlers): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.closedFlag) {
        reject(new AppError('UNAVAILABLE', `the WebSocket to ${this.opts.where} is closed`));
        return;
      }
      if (signal?.aborted) {
        reject(new AppError('CANCELLED', `${method} was cancelled`));
        return;
      }
      const id = this.nextId++;
      const cancelRemote = () => this.notify('xrpc.cancel', [id]);
      const onAbort = () => {
        this.pending.delete(id);
        entry.cleanup();
        cancelRemote();
        reject(new AppError('CANCELLED', `${method} was cancelled`));
      };
      const timer = this.opts.clock.setTimeout(() => {
        this.pending.delete(id);
        entry.cleanup();
        cancelRemote();
        reject(timeoutError(method, this.opts.where, timeoutMs));
      }, timeoutMs);
      const entry: Pending = {
        method,
        resolve,
        reject,
        cleanup: () => {
          timer.dispose();
          signal?.removeEventListener('abort', onAbort);
        },
        ...(subscribe ? { subscribe } : {}),
      };
      this.pending.set(id, entry);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.ws.send(JSON.stringify({ jsonrpc: '2.0', method, params, id }));
      } catch (err) {
        this.pending.delete(id);
        entry.cleanup();
        reject(transportError(method, this.opts.where, err));
      }
    });
  }

  /** A notification (no id, no answer). */
  notify(method: string, params: readonly unknown[]): void {
    if (this.closedFlag) return;
    try {
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
    } catch {
      // the close handler reports the failure
    }
  }

  forgetChannel(channelId: number): void {
    this.channels.delete(channelId);
  }

  get activeChannels(): number {
    return this.channels.size;
  }

  private onMessage(text: string | undefined): void {
    if (text === undefined) return;
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return; // not JSON: nothing we can route
    }
    for (const m of Array.isArray(msg) ? msg : [msg]) this.route(m);
  }

  private route(m: unknown): void {
    if (typeof m !== 'object' || m === null) return;
    const frame = m as { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: JsonRpcErrorObject };
    if (typeof frame.method === 'string') {
      const params = Array.isArray(frame.params) ? frame.params : [];
      const chan = typeof params[0] === 'number' ? this.channels.get(params[0]) : undefined;
      if (frame.method === 'xrpc.ch.val') chan?.deliver(params[1]);
      else if (frame.method === 'xrpc.ch.close') chan?.end(undefined);
      return;
    }
    if (typeof frame.id !== 'number') return;
    const p = this.pending.get(frame.id);
    if (!p) return;
    this.pending.delete(frame.id);
    p.cleanup();
    if (frame.error && typeof frame.error === 'object') {
      p.reject(rpcErrorToAppError(p.method, this.opts.where, { code: Number(frame.error.code), message: String(frame.error.message ?? '') }));
      return;
    }
    if (p.subscribe) {
      if (typeof frame.result !== 'number') {
        p.reject(new AppError('UNSUPPORTED', `${p.method} did not return a channel (result ${JSON.stringify(frame.result)?.slice(0, 80)})`));
        return;
      }
      const sub = new ChannelSubscription(frame.result, frame.id, p.subscribe, this);
      this.channels.set(frame.result, sub);
      p.resolve(sub);
      return;
    }
    p.resolve(frame.result);
  }

  private markClosed(err: AppError | undefined): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.cleanup();
      p.reject(err ?? new AppError('UNAVAILABLE', `the WebSocket to ${this.opts.where} was closed`));
    }
    for (const sub of [...this.channels.values()]) sub.end(err);
    this.channels.clear();
    this.closeEmitter.fire(err);
    this.closeEmitter.dispose();
  }

  dispose(): void {
    if (this.closedFlag) return;
    this.markClosed(undefined);
    this.ws.removeAllListeners();
    this.ws.on('error', () => undefined);
    this.ws.terminate();
  }
}
