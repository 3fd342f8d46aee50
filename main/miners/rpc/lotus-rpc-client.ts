import { systemClock, type Clock } from '../../contract/clock';
import { AppError } from '../../contract/errors';
import type { Disposable } from '../../contract/lifecycle';
import { toHeadChanges, type HeadChange } from './chain-notify';
import { LotusWsConnection, type RpcSubscription, type RpcSubscriptionHandlers } from './lotus-ws-connection';
import { httpStatusError, redactUrl, rpcErrorToAppError, timeoutError, transportError, type JsonRpcErrorObject } from './rpc-errors';

export type { RpcSubscription, RpcSubscriptionHandlers } from './lotus-ws-connection';

export interface RpcCallOptions {
  signal?: AbortSignal;
  /** Overrides the client's default timeout for this call. */
  timeoutMs?: number;
}

/** Anything that can make lotus JSON-RPC calls ("WorkerStats" means "Filecoin.WorkerStats"). */
export interface RpcCaller {
  call<T = unknown>(method: string, params?: readonly unknown[], opts?: RpcCallOptions): Promise<T>;
}

export interface LotusRpcClientOptions {
  /** http(s):// or ws(s):// URL of the endpoint: miner …:2345/rpc/v0, full node …:1234/rpc/v1. */
  url: string;
  /** JWT sent as `Authorization: Bearer <token>`; without one lotus grants only 'read'. */
  token?: string;
  /** How call() travels. Default: 'ws' for ws(s):// URLs, else 'http'. Subscriptions always use the WebSocket. */
  transport?: 'http' | 'ws';
  clock?: Clock;
  /** Default per-call timeout. Default 30 s. */
  timeoutMs?: number;
  /** Largest response accepted. Default 256 MiB (MpoolPending on mainnet is large). */
  maxResponseBytes?: number;
  /** Name for messages, e.g. "lotus-miner API". Default: the URL without credentials. */
  label?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export function normalizeMethod(method: string): string {
  return method.includes('.') ? method : `Filecoin.${method}`;
}

function toHttpUrl(url: string): string {
  return url.replace(/^ws(s?):\/\//i, 'http$1://');
}

function toWsUrl(url: string): string {
  return url.replace(/^http(s?):\/\//i, 'ws$1://');
}

/**
 * A lotus JSON-RPC client: calls over HTTP POST (Node's fetch) or a WebSocket (ws), channel
 * subscriptions (Filecoin.ChainNotify…) over the WebSocket, errors mapped to AppError codes
 * (401 → UNAUTHENTICATED, missing permission → PERMISSION_DENIED, connection → UNAVAILABLE,
 * timeouts → TIMEOUT). The WebSocket is opened on first use and again after it dropped.
 */
export class LotusRpcClient implements RpcCaller, Disposable {
  /** The URL without credentials. */
  readonly endpoint: string;
  private readonly where: string;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly transport: 'http' | 'ws';
  private nextId = 1;
  private ws: LotusWsConnection | undefined;
  private wsOpening: Promise<LotusWsConnection> | undefined;
  private readonly inflight = new Set<AbortController>();
  private disposed = false;

  constructor(private readonly opts: LotusRpcClientOptions) {
    if (!/^(https?|wss?):\/\//i.test(opts.url)) throw new AppError('INVALID_INPUT', `"${redactUrl(opts.url).slice(0, 200)}" is not an http(s):// or ws(s):// URL`);
    this.endpoint = redactUrl(opts.url);
    this.where = opts.label ? `${opts.label} (${this.endpoint})` : this.endpoint;
    this.clock = opts.clock ?? systemClock;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBytes = opts.maxResponseBytes ?? 256 * 1024 * 1024;
    this.transport = opts.transport ?? (/^wss?:/i.test(opts.url) ? 'ws' : 'http');
  }

  call<T = unknown>(method: string, params: readonly unknown[] = [], opts: RpcCallOptions = {}): Promise<T> {
    const m = normalizeMethod(method);
    if (this.disposed) return Promise.reject(new AppError('UNAVAILABLE', `the client of ${this.where} is closed`));
    if (this.transport === 'ws') return this.callWs(m, params, opts) as Promise<T>;
    return this.callHttp(m, params, opts) as Promise<T>;
  }

  /** Calls a channel-returning method over the WebSocket; values go to handlers.next until disposed or closed. */
  async subscribe<T = unknown>(method: string, params: readonly unknown[], handlers: RpcSubscriptionHandlers<T>, opts: RpcCallOptions = {}): Promise<RpcSubscription> {
    const conn = await this.connection(opts.signal);
    return conn.subscribe(normalizeMethod(method), params, handlers as RpcSubscriptionHandlers, opts.timeoutMs ?? this.timeoutMs, opts.signal);
  }

  /** Filecoin.ChainNotify (full node): batches of head changes, the first one "current". */
  chainNotify(handlers: RpcSubscriptionHandlers<HeadChange[]>, opts: RpcCallOptions = {}): Promise<RpcSubscription> {
    return this.subscribe<unknown>('Filecoin.ChainNotify', [], { next: (v) => handlers.next(toHeadChanges(v)), end: (e) => handlers.end?.(e) }, opts);
  }

  private async callWs(method: string, params: readonly unknown[], opts: RpcCallOptions): Promise<unknown> {
    const conn = await this.connection(opts.signal);
    return conn.call(method, params, opts.timeoutMs ?? this.timeoutMs, opts.signal);
  }

  private connection(signal?: AbortSignal): Promise<LotusWsConnection> {
    if (this.disposed) return Promise.reject(new AppError('UNAVAILABLE', `the client of ${this.where} is closed`));
    if (this.ws && !this.ws.closed) return Promise.resolve(this.ws);
    this.wsOpening ??= LotusWsConnection.open({
      url: toWsUrl(this.opts.url),
      ...(this.opts.token ? { token: this.opts.token } : {}),
      clock: this.clock,
      timeoutMs: this.timeoutMs,
      where: this.where,
      maxPayloadBytes: this.maxBytes,
    }).then(
      (conn) => {
        this.wsOpening = undefined;
        if (this.disposed) {
          conn.dispose();
          throw new AppError('UNAVAILABLE', `the client of ${this.where} is closed`);
        }
        this.ws = conn;
        return conn;
      },
      (err: unknown) => {
        this.wsOpening = undefined;
        throw err;
      },
    );
    return raceAbort(this.wsOpening, signal, 'connecting to ' + this.where);
  }

  private async callHttp(method: string, params: readonly unknown[], opts: RpcCallOptions): Promise<unknown> {
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    if (opts.signal?.aborted) throw new AppError('CANCELLED', `${method} was cancelled`);
    const ac = new AbortController();
    let timedOut = false;
    const timer = this.clock.setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, timeoutMs);
    const onAbort = () => ac.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.inflight.add(ac);
    const fail = (err: unknown): AppError => {
      if (err instanceof AppError) return err;
      if (timedOut) return timeoutError(method, this.where, timeoutMs);
      if (opts.signal?.aborted) return new AppError('CANCELLED', `${method} was cancelled`);
      if (this.disposed) return new AppError('UNAVAILABLE', `the client of ${this.where} is closed`);
      return transportError(method, this.where, err);
    };
    try {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (this.opts.token) headers.Authorization = `Bearer ${this.opts.token}`;
      const id = this.nextId++;
      const res = await fetch(toHttpUrl(this.opts.url), {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', method, params, id }),
        signal: ac.signal,
        redirect: 'error',
      });
      if (res.status === 401) {
        await res.body?.cancel().catch(() => undefined);
        throw httpStatusError(method, this.where, 401, '');
      }
      const text = await readLimited(res, this.maxBytes, method, this.where);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw res.ok
          ? new AppError('UNAVAILABLE', `${this.where} answered ${method} with something that is not JSON-RPC`, { hint: 'Check the URL: the miner API is /rpc/v0, the full node /rpc/v1.', details: { method, endpoint: this.where } })
          : httpStatusError(method, this.where, res.status, text);
      }
      const frame = (Array.isArray(body) ? body[0] : body) as { result?: unknown; error?: JsonRpcErrorObject } | undefined;
      if (frame && typeof frame === 'object' && frame.error && typeof frame.error === 'object') {
        throw rpcErrorToAppError(method, this.where, { code: Number(frame.error.code), message: String(frame.error.message ?? '') });
      }
      if (!res.ok) throw httpStatusError(method, this.where, res.status, text);
      if (!frame || typeof frame !== 'object' || !('result' in frame)) {
        throw new AppError('UNAVAILABLE', `${this.where} sent a JSON-RPC answer to ${method} without a result`, { details: { method, endpoint: this.where } });
      }
      return frame.result;
    } catch (err) {
      throw fail(err);
    } finally {
      timer.dispose();
      opts.signal?.removeEventListener('abort', onAbort);
      this.inflight.delete(ac);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const ac of this.inflight) ac.abort();
    this.inflight.clear();
    this.ws?.dispose();
    this.ws = undefined;
  }
}

/** The promise, or CANCELLED as soon as the signal aborts (the promise itself goes on for others). */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new AppError('CANCELLED', `${what} was cancelled`));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AppError('CANCELLED', `${what} was cancelled`));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

async function readLimited(res: Response, max: number, method: string, where: string): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new AppError('UNAVAILABLE', `${where} sent more than ${max} bytes for ${method}`, { details: { method, endpoint: where } });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
