import { systemClock, type Clock } from './clock';
import type { AppContract, CallOptions, ClientApi, Observer } from './define';
import type { FrameEndpoint } from './endpoint';
import { AppError } from './errors';
import { asBytes, decodeBinaryFrame, DEFAULT_MAX_FRAME_CHARS, ServerFrameSchema, type ClientFrame, type ServerFrame, type TextEventCodec } from './frames';
import { DisposableStore, Emitter, toDisposable, type Disposable, type Event } from './lifecycle';

export interface ClientOptions {
  /** Timeout for methods that declare none; 0 disables. */
  defaultTimeoutMs?: number;
  maxFrameChars?: number;
  onProtocolError?: (err: AppError) => void;
  /** Call timeouts run on this clock. */
  clock?: Clock;
}

export interface RpcClient<C extends AppContract> extends Disposable {
  readonly api: ClientApi<C>;
  readonly onDidClose: Event<string>;
  readonly isClosed: boolean;
  /** Resolves when the server's hello arrived (the connection is usable). */
  readonly ready: Promise<void>;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: AppError): void;
  cleanup(): void;
}

/** Builds the typed api over one endpoint. Channel names exist nowhere else. */
export function createClient<C extends AppContract>(endpoint: FrameEndpoint, contract: C, options: ClientOptions = {}): RpcClient<C> {
  const maxChars = options.maxFrameChars ?? DEFAULT_MAX_FRAME_CHARS;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 60_000;
  const store = new DisposableStore();
  const closeEmitter = store.add(new Emitter<string>());
  const pending = new Map<number, Pending>();
  const streams = new Map<number, Observer<unknown>>();
  /** Streams whose events may arrive as binary frames, with the codec that turns them back. */
  const codecs = new Map<number, TextEventCodec<unknown>>();
  let nextId = 1;
  let closed = false;
  let resolveReady!: () => void;
  let rejectReady!: (e: AppError) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  ready.catch(() => undefined);

  const sendFrame = (frame: ClientFrame): void => {
    if (closed) throw new AppError('UNAVAILABLE', 'the connection to the Drover service is closed');
    const text = JSON.stringify(frame);
    if (text.length > maxChars) throw new AppError('FRAME_TOO_LARGE', `request of ${text.length} characters exceeds the limit of ${maxChars}`);
    endpoint.send(text);
  };

  const onBinary = (data: unknown) => {
    const bytes = asBytes(data);
    if (!bytes) {
      options.onProtocolError?.(new AppError('BAD_FRAME', `server sent a frame that is neither text nor bytes (${typeof data})`));
      return;
    }
    const f = decodeBinaryFrame(bytes);
    if (!f.ok) {
      options.onProtocolError?.(new AppError('BAD_FRAME', `server sent a malformed binary frame: ${f.error}`));
      return;
    }
    const codec = codecs.get(f.id);
    const o = streams.get(f.id);
    if (!codec || !o) {
      // Data of a stream this side just unsubscribed from can still be on its way.
      if (!o && f.id < nextId) return;
      options.onProtocolError?.(new AppError('BAD_FRAME', `server sent a binary frame for ${o ? 'a stream without binary events' : 'an unknown stream'} (id ${f.id})`));
      return;
    }
    o.next(codec.fromText(f.text));
  };

  /** An event frame's envelope, checked by hand (the hot path): the payload is the stream's business. */
  const asEventFrame = (raw: unknown): ServerFrame | null => {
    if (typeof raw !== 'object' || raw === null) return null;
    const r = raw as { t?: unknown; id?: unknown; d?: unknown };
    if (r.t !== 'ev' || typeof r.id !== 'number' || !Number.isSafeInteger(r.id) || r.id < 0 || !('d' in r)) return null;
    for (const k in r) if (k !== 't' && k !== 'id' && k !== 'd') return null;
    return raw as ServerFrame;
  };

  const onData = (data: unknown) => {
    if (typeof data !== 'string') {
      onBinary(data);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      options.onProtocolError?.(new AppError('BAD_FRAME', 'server sent invalid JSON'));
      return;
    }
    let f = asEventFrame(raw);
    if (!f) {
      const parsed = ServerFrameSchema.safeParse(raw);
      if (!parsed.success) {
        options.onProtocolError?.(new AppError('BAD_FRAME', 'server sent a malformed frame'));
        return;
      }
      f = parsed.data;
    }
    switch (f.t) {
      case 'hello':
        resolveReady();
        break;
      case 'res': {
        const p = pending.get(f.id);
        if (p) p.resolve(f.r);
        break;
      }
      case 'rej': {
        const p = pending.get(f.id);
        if (p) p.reject(AppError.fromData(f.e));
        break;
      }
      case 'ev':
        streams.get(f.id)?.next(f.d);
        break;
      case 'end': {
        const o = streams.get(f.id);
        if (o) {
          streams.delete(f.id);
          codecs.delete(f.id);
          o.end?.(f.e ? AppError.fromData(f.e) : undefined);
        }
        break;
      }
      case 'err': {
        const err = AppError.fromData(f.e);
        if (f.id !== undefined) {
          const p = pending.get(f.id);
          if (p) {
            p.reject(err);
            break;
          }
          const o = streams.get(f.id);
          if (o) {
            streams.delete(f.id);
            codecs.delete(f.id);
            o.end?.(err);
            break;
          }
        }
        options.onProtocolError?.(err);
        break;
      }
    }
  };

  const call = (name: string, timeoutMsDecl: number | undefined, input: unknown, opts: CallOptions = {}): Promise<unknown> => {
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted) {
        reject(new AppError('CANCELLED', 'the operation was cancelled'));
        return;
      }
      const id = nextId++;
      let timer: Disposable | undefined;
      const onAbort = () => {
        if (!pending.has(id)) return;
        p.reject(new AppError('CANCELLED', 'the operation was cancelled'));
        try {
          sendFrame({ t: 'cancel', id });
        } catch {
          /* connection gone: nothing to cancel */
        }
      };
      const p: Pending = {
        resolve: (v) => {
          p.cleanup();
          resolve(v);
        },
        reject: (e) => {
          p.cleanup();
          reject(e);
        },
        cleanup: () => {
          pending.delete(id);
          timer?.dispose();
          opts.signal?.removeEventListener('abort', onAbort);
        },
      };
      pending.set(id, p);
      opts.signal?.addEventListener('abort', onAbort);
      const timeoutMs = opts.timeoutMs ?? timeoutMsDecl ?? defaultTimeoutMs;
      if (timeoutMs > 0) {
        timer = (options.clock ?? systemClock).setTimeout(() => {
          if (!pending.has(id)) return;
          p.reject(new AppError('TIMEOUT', `${name} did not answer within ${timeoutMs} ms`));
          try {
            sendFrame({ t: 'cancel', id });
          } catch {
            /* ignore */
          }
        }, timeoutMs);
      }
      try {
        sendFrame({ t: 'req', id, m: name, p: input === undefined ? null : input });
      } catch (err) {
        p.reject(AppError.from(err));
      }
    });
  };

  const subscribe = (name: string, input: unknown, observer: Observer<unknown>, codec: TextEventCodec<unknown> | undefined): Disposable => {
    const id = nextId++;
    streams.set(id, observer);
    if (codec) codecs.set(id, codec);
    try {
      sendFrame({ t: 'sub', id, m: name, p: input === undefined ? null : input, ...(codec ? { b: 1 as const } : {}) });
    } catch (err) {
      streams.delete(id);
      codecs.delete(id);
      queueMicrotask(() => observer.end?.(AppError.from(err)));
      return toDisposable(() => undefined);
    }
    return toDisposable(() => {
      codecs.delete(id);
      if (!streams.delete(id)) return;
      try {
        sendFrame({ t: 'unsub', id });
      } catch {
        /* connection gone: the server already freed it */
      }
    });
  };

  const notify = (name: string, input: unknown): void => {
    sendFrame({ t: 'note', m: name, p: input === undefined ? null : input });
  };

  const api: Record<string, Record<string, unknown>> = {};
  for (const [ns, entries] of Object.entries(contract)) {
    const nsApi: Record<string, unknown> = {};
    for (const [entry, def] of Object.entries(entries)) {
      const name = `${ns}.${entry}`;
      if (def.kind === 'method') nsApi[entry] = (input: unknown, opts?: CallOptions) => call(name, def.timeoutMs, input, opts);
      else if (def.kind === 'stream') nsApi[entry] = (input: unknown, observer: Observer<unknown>) => subscribe(name, input, observer, def.text);
      else nsApi[entry] = (input: unknown) => notify(name, input);
    }
    api[ns] = Object.freeze(nsApi);
  }

  const shutdown = (reason: string) => {
    if (closed) return;
    closed = true;
    const err = new AppError('UNAVAILABLE', `connection closed: ${reason}`, {
      hint: 'The Drover service went away. It reconnects by itself; if it does not, restart Drover.',
    });
    rejectReady(err);
    for (const p of [...pending.values()]) p.reject(err);
    pending.clear();
    const obs = [...streams.values()];
    streams.clear();
    codecs.clear();
    for (const o of obs) o.end?.(err);
    closeEmitter.fire(reason);
  };

  store.add(endpoint.onMessage(onData));
  store.add(endpoint.onClose((reason) => shutdown(reason)));

  return {
    api: api as ClientApi<C>,
    onDidClose: closeEmitter.event,
    get isClosed() {
      return closed;
    },
    ready,
    dispose() {
      shutdown('disposed');
      endpoint.close();
      store.dispose();
    },
  };
}
