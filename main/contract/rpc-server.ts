import type { z } from 'zod';
import type { AppContract, AppImpl, CallContext, Def, Sink } from './define';
import type { FrameEndpoint } from './endpoint';
import { AppError } from './errors';
import { ClientFrameSchema, DEFAULT_MAX_FRAME_CHARS, encodeBinaryEvent, MAX_BINARY_ID, PROTOCOL_VERSION, sniffFrameId, utf8Text, type ServerFrame } from './frames';
import { DisposableStore, toDisposable, type Disposable } from './lifecycle';

export interface ServeOptions {
  connectionId: string;
  maxFrameChars?: number;
  /** Validate what services return against the output schemas (on by default). */
  validateOutput?: boolean;
  /** Calls and subscriptions one connection may have open at once. */
  maxInFlight?: number;
  serverName?: string;
  onInternalError?: (err: unknown, where: string) => void;
}

interface Route {
  def: Def;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- typed at the edge by AppImpl
  impl: (...args: any[]) => any;
}

/** Checks once that every declared entry has an implementation and builds the lookup table. */
export function createRouter<C extends AppContract>(contract: C, impl: AppImpl<C>): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const [ns, entries] of Object.entries(contract)) {
    const nsImpl = (impl as Record<string, Record<string, unknown>>)[ns];
    for (const [name, def] of Object.entries(entries)) {
      const fn = nsImpl?.[name];
      if (typeof fn !== 'function') throw new Error(`no implementation for ${ns}.${name}`);
      routes.set(`${ns}.${name}`, { def, impl: fn.bind(nsImpl) as Route['impl'] });
    }
  }
  return routes;
}

/**
 * Serves one connection: validates every incoming frame, dispatches it, and answers with data
 * (never throws into the transport). Everything the connection holds is freed when it closes.
 */
export function serveConnection(
  endpoint: FrameEndpoint,
  routes: Map<string, Route>,
  options: ServeOptions,
): Disposable {
  const maxChars = options.maxFrameChars ?? DEFAULT_MAX_FRAME_CHARS;
  const maxInFlight = options.maxInFlight ?? 1024;
  const validateOutput = options.validateOutput ?? true;
  const report = options.onInternalError ?? (() => undefined);
  const store = new DisposableStore();
  const calls = new Map<number, AbortController>();
  const subs = new Map<number, { ctrl: AbortController; handle?: Disposable }>();
  let closed = false;

  const send = (frame: ServerFrame) => {
    if (closed) return;
    let text: string;
    try {
      text = JSON.stringify(frame);
    } catch (err) {
      report(err, 'serialize');
      if ('id' in frame && frame.id !== undefined && frame.t !== 'rej' && frame.t !== 'err') {
        text = JSON.stringify({ t: 'rej', id: frame.id, e: new AppError('INTERNAL', 'reply could not be serialized').toData() });
      } else return;
    }
    try {
      endpoint.send(text);
    } catch (err) {
      report(err, 'send');
    }
  };
  const sendBinary = (bytes: Uint8Array) => {
    if (closed) return;
    try {
      endpoint.sendBinary!(bytes);
    } catch (err) {
      report(err, 'send');
    }
  };
  const frameError = (err: AppError, id?: number) => send(id === undefined ? { t: 'err', e: err.toData() } : { t: 'err', id, e: err.toData() });

  const ctxFor = (ctrl: AbortController): CallContext => ({ signal: ctrl.signal, connectionId: options.connectionId });

  const parseInput = (def: Def, p: unknown, name: string): unknown => {
    const parsed = def.input.safeParse(p);
    if (!parsed.success) {
      throw new AppError('INVALID_INPUT', `invalid input for ${name}: ${summarizeIssues(parsed.error)}`, {
        details: { issues: parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) },
      });
    }
    return parsed.data;
  };

  const checkOutput = (schema: z.ZodType, value: unknown, name: string): unknown => {
    if (!validateOutput) return value;
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      report(parsed.error, `output of ${name}`);
      throw new AppError('INVALID_OUTPUT', `${name} produced a result that does not match its schema`);
    }
    return parsed.data;
  };

  const handleRequest = async (id: number, name: string, p: unknown) => {
    const route = routes.get(name);
    if (!route || route.def.kind !== 'method') {
      send({ t: 'rej', id, e: new AppError('UNKNOWN_METHOD', `unknown method: ${name}`).toData() });
      return;
    }
    if (calls.has(id) || subs.has(id)) {
      send({ t: 'rej', id, e: new AppError('BAD_FRAME', `id ${id} is already in use`).toData() });
      return;
    }
    if (calls.size + subs.size >= maxInFlight) {
      send({ t: 'rej', id, e: new AppError('UNAVAILABLE', 'too many calls in flight on this connection').toData() });
      return;
    }
    const ctrl = new AbortController();
    calls.set(id, ctrl);
    try {
      const input = parseInput(route.def, p, name);
      const result: unknown = await route.impl(input, ctxFor(ctrl));
      if (ctrl.signal.aborted) return; // the cancel already answered
      const out = checkOutput(route.def.output, result, name);
      send({ t: 'res', id, r: out === undefined ? null : out });
    } catch (err) {
      if (ctrl.signal.aborted) return;
      const appErr = AppError.from(err);
      if (appErr.code === 'INTERNAL') report(err, name);
      send({ t: 'rej', id, e: appErr.toData() });
    } finally {
      calls.delete(id);
    }
  };

  const handleSubscribe = async (id: number, name: string, p: unknown, binaryOk: boolean) => {
    const route = routes.get(name);
    if (!route || route.def.kind !== 'stream') {
      send({ t: 'end', id, e: new AppError('UNKNOWN_METHOD', `unknown stream: ${name}`).toData() });
      return;
    }
    if (calls.has(id) || subs.has(id)) {
      send({ t: 'end', id, e: new AppError('BAD_FRAME', `id ${id} is already in use`).toData() });
      return;
    }
    if (calls.size + subs.size >= maxInFlight) {
      send({ t: 'end', id, e: new AppError('UNAVAILABLE', 'too many subscriptions on this connection').toData() });
      return;
    }
    const def = route.def;
    const codec = def.text;
    const binary = binaryOk && codec !== undefined && endpoint.sendBinary !== undefined && id <= MAX_BINARY_ID;
    const ctrl = new AbortController();
    const entry: { ctrl: AbortController; handle?: Disposable } = { ctrl };
    subs.set(id, entry);
    let ended = false;
    const finish = (err?: unknown) => {
      if (ended) return;
      ended = true;
      subs.delete(id);
      ctrl.abort();
      try {
        entry.handle?.dispose();
      } catch (e) {
        report(e, `dispose ${name}`);
      }
      if (err === undefined) send({ t: 'end', id });
      else send({ t: 'end', id, e: AppError.from(err).toData() });
    };
    const sink: Sink<unknown> = {
      next: (value) => {
        if (ended) return;
        // Text events (terminal output): the codec accepts only their one shape, so the payload
        // is not walked by the schema; as bytes where the client and transport can.
        const text = codec?.toText(value);
        if (text !== undefined) {
          if (binary) sendBinary(encodeBinaryEvent(id, text));
          else send({ t: 'ev', id, d: codec!.fromText(text) });
          return;
        }
        let out: unknown;
        try {
          out = checkOutput(def.event, value, name);
        } catch (err) {
          finish(err);
          return;
        }
        send({ t: 'ev', id, d: out });
      },
      end: (err) => finish(err),
      signal: ctrl.signal,
      bufferedBytes: () => endpoint.bufferedAmount?.() ?? 0,
      ...(codec
        ? {
            text: (t: string | Uint8Array | readonly Uint8Array[]) => {
              if (ended) return;
              if (binary) sendBinary(encodeBinaryEvent(id, t));
              else send({ t: 'ev', id, d: codec.fromText(utf8Text(t)) });
            },
          }
        : {}),
    };
    try {
      const input = parseInput(def, p, name);
      const handle: Disposable = await route.impl(input, sink, ctxFor(ctrl));
      if (ended || closed) {
        handle.dispose();
        return;
      }
      entry.handle = handle;
    } catch (err) {
      const appErr = AppError.from(err);
      if (appErr.code === 'INTERNAL') report(err, name);
      finish(appErr);
    }
  };

  const handleNotification = (name: string, p: unknown) => {
    const route = routes.get(name);
    if (!route || route.def.kind !== 'notification') {
      frameError(new AppError('UNKNOWN_METHOD', `unknown notification: ${name}`));
      return;
    }
    try {
      const input = parseInput(route.def, p, name);
      const ctrl = new AbortController();
      route.impl(input, ctxFor(ctrl));
    } catch (err) {
      const appErr = AppError.from(err);
      if (appErr.code === 'INTERNAL') report(err, name);
      frameError(appErr);
    }
  };

  const onData = (data: unknown) => {
    if (closed) return;
    if (typeof data !== 'string') {
      // Binary frames go from the server to the client only (stream data); a client sends JSON text.
      const size = typeof (data as { byteLength?: unknown })?.byteLength === 'number' ? ` of ${(data as { byteLength: number }).byteLength} bytes` : '';
      frameError(new AppError('BAD_FRAME', `binary frame${size} from a client: requests must be JSON text frames`));
      return;
    }
    if (data.length > maxChars) {
      frameError(new AppError('FRAME_TOO_LARGE', `frame of ${data.length} characters exceeds the limit of ${maxChars}`), sniffFrameId(data));
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      frameError(new AppError('BAD_FRAME', 'frame is not valid JSON'), sniffFrameId(data));
      return;
    }
    const parsed = ClientFrameSchema.safeParse(raw);
    if (!parsed.success) {
      const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
      frameError(
        new AppError('BAD_FRAME', `malformed frame: ${summarizeIssues(parsed.error)}`),
        typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined,
      );
      return;
    }
    const frame = parsed.data;
    switch (frame.t) {
      case 'req':
        void handleRequest(frame.id, frame.m, frame.p);
        break;
      case 'sub':
        void handleSubscribe(frame.id, frame.m, frame.p, frame.b === 1);
        break;
      case 'cancel': {
        const ctrl = calls.get(frame.id);
        if (ctrl) {
          calls.delete(frame.id);
          ctrl.abort();
          send({ t: 'rej', id: frame.id, e: new AppError('CANCELLED', 'cancelled by the caller').toData() });
        }
        break;
      }
      case 'unsub': {
        const sub = subs.get(frame.id);
        if (sub) {
          subs.delete(frame.id);
          sub.ctrl.abort();
          try {
            sub.handle?.dispose();
          } catch (err) {
            report(err, 'unsubscribe');
          }
          send({ t: 'end', id: frame.id });
        }
        break;
      }
      case 'note':
        handleNotification(frame.m, frame.p);
        break;
    }
  };

  const shutdown = () => {
    if (closed) return;
    closed = true;
    for (const ctrl of calls.values()) ctrl.abort();
    calls.clear();
    for (const sub of subs.values()) {
      sub.ctrl.abort();
      try {
        sub.handle?.dispose();
      } catch (err) {
        report(err, 'dispose on close');
      }
    }
    subs.clear();
    store.dispose();
  };

  store.add(endpoint.onMessage(onData));
  store.add(endpoint.onClose(() => shutdown()));
  send({ t: 'hello', v: PROTOCOL_VERSION, server: options.serverName ?? 'drover' });

  return toDisposable(() => {
    shutdown();
    endpoint.close();
  });
}

/** Introspection for tests: how much a connection holds. */
export function summarizeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') + ': ' : ''}${i.message}`)
    .join('; ');
}
