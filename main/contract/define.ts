import type { z } from 'zod';
import type { AppError } from './errors';
import type { TextEventCodec } from './frames';
import type { Disposable } from './lifecycle';

/**
 * Declaring a capability: each entry of a contract is a request/response method, an event stream,
 * or a fire-and-forget notification, with zod schemas for what crosses the transport.
 */
export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly kind: 'method';
  readonly input: I;
  readonly output: O;
  /** Client-side timeout; undefined uses the client's default. 0 disables. */
  readonly timeoutMs?: number;
}

export interface StreamDef<I extends z.ZodType = z.ZodType, E extends z.ZodType = z.ZodType> {
  readonly kind: 'stream';
  readonly input: I;
  readonly event: E;
  /**
   * Events this codec turns into text (terminal output) skip the per-event schema pass (the
   * codec only accepts their one known shape) and travel as binary frames where the client and
   * transport can (frames.ts); the others are validated and sent as JSON.
   */
  readonly text?: TextEventCodec<z.output<E>>;
}

export interface NotificationDef<I extends z.ZodType = z.ZodType> {
  readonly kind: 'notification';
  readonly input: I;
}

export type Def = MethodDef | StreamDef | NotificationDef;
export type Contract = Readonly<Record<string, Def>>;
export type AppContract = Readonly<Record<string, Contract>>;

export function method<I extends z.ZodType, O extends z.ZodType>(def: {
  input: I;
  output: O;
  timeoutMs?: number;
}): MethodDef<I, O> {
  return { kind: 'method', ...def };
}

export function stream<I extends z.ZodType, E extends z.ZodType>(def: { input: I; event: E; text?: TextEventCodec<z.output<E>> }): StreamDef<I, E> {
  return { kind: 'stream', ...def };
}

export function notification<I extends z.ZodType>(def: { input: I }): NotificationDef<I> {
  return { kind: 'notification', ...def };
}

export function defineContract<C extends Contract>(contract: C): C {
  for (const name of Object.keys(contract)) {
    if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(name)) throw new Error(`bad contract entry name: ${name}`);
  }
  return contract;
}

// ---- client side types ----

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface Observer<T> {
  next(value: T): void;
  /** Called once when the stream ends; err is set when it ended by an error. */
  end?(err?: AppError): void;
}

export type ClientFn<D> =
  D extends MethodDef<infer I, infer O>
    ? (input: z.input<I>, opts?: CallOptions) => Promise<z.output<O>>
    : D extends StreamDef<infer I, infer E>
      ? (input: z.input<I>, observer: Observer<z.output<E>>) => Disposable
      : D extends NotificationDef<infer I>
        ? (input: z.input<I>) => void
        : never;

export type ClientApi<C extends AppContract> = {
  readonly [NS in keyof C]: { readonly [K in keyof C[NS]]: ClientFn<C[NS][K]> };
};

// ---- server side types ----

export interface CallContext {
  /** Aborted when the caller cancels, the call times out, or the connection closes. */
  readonly signal: AbortSignal;
  readonly connectionId: string;
}

export interface Sink<T> {
  next(value: T): void;
  /** Ends the stream from the server side (with an error, or normally). */
  end(err?: unknown): void;
  readonly signal: AbortSignal;
  /**
   * Bytes the connection has queued for the peer and not yet sent: a slow reader makes it grow.
   * 0 where the transport cannot tell. Publishers use it to send a fresh snapshot later instead of
   * queueing diffs without bound.
   */
  bufferedBytes(): number;
  /**
   * Streams with a text codec (StreamDef.text): one text event given as its text, or as UTF-8
   * bytes of whole sequences (one or more chunks, not kept after the call). Sent as a binary frame
   * without decoding where the client reads them, else as the codec's event in JSON. Absent on
   * other streams.
   */
  text?(text: string | Uint8Array | readonly Uint8Array[]): void;
}

export type ImplFn<D> =
  D extends MethodDef<infer I, infer O>
    ? (input: z.output<I>, ctx: CallContext) => Promise<z.input<O>> | z.input<O>
    : D extends StreamDef<infer I, infer E>
      ? (input: z.output<I>, sink: Sink<z.input<E>>, ctx: CallContext) => Disposable | Promise<Disposable>
      : D extends NotificationDef<infer I>
        ? (input: z.output<I>, ctx: CallContext) => void
        : never;

export type ContractImpl<C extends Contract> = { readonly [K in keyof C]: ImplFn<C[K]> };

export type AppImpl<C extends AppContract> = { readonly [NS in keyof C]: ContractImpl<C[NS]> };
