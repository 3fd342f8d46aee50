/**
 * Disposables and a typed event emitter. No Node, no DOM: shared by main, electron and renderer.
 * Anything holding a socket, process, timer or watcher implements Disposable.
 */
export interface Disposable {
  dispose(): void;
}

export function toDisposable(fn: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      fn();
    },
  };
}

/** Owns a set of disposables and releases them (in reverse order) exactly once. */
export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposedFlag = false;

  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  add<T extends Disposable>(item: T): T {
    if (this.disposedFlag) {
      item.dispose();
      return item;
    }
    this.items.add(item);
    return item;
  }

  delete(item: Disposable): void {
    if (this.items.delete(item)) item.dispose();
  }

  /** Forget an item without disposing it (its owner changed). */
  forget(item: Disposable): void {
    this.items.delete(item);
  }

  get size(): number {
    return this.items.size;
  }

  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    const list = [...this.items].reverse();
    this.items.clear();
    const errors: unknown[] = [];
    for (const d of list) {
      try {
        d.dispose();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'several disposables failed');
  }
}

export type Listener<T> = (value: T) => void;
export type Event<T> = (listener: Listener<T>) => Disposable;

/** A typed emitter whose subscribe returns a Disposable. */
export class Emitter<T> implements Disposable {
  private listeners = new Set<Listener<T>>();
  private disposed = false;

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return toDisposable(() => undefined);
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch (err) {
        // A listener's failure must not stop the others; report it asynchronously.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }
}

/** Anything whose dispose() may return a promise (closing a server, ending a process). */
export interface AsyncDisposable {
  dispose(): void | Promise<void>;
}

/**
 * Disposes each item in reverse order and awaits those that return a promise; one failure does
 * not stop the others (all errors are thrown together at the end).
 */
export async function disposeAllAsync(items: readonly AsyncDisposable[]): Promise<void> {
  const errors: unknown[] = [];
  for (const d of [...items].reverse()) {
    try {
      await d.dispose();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'several disposables failed');
}

/**
 * The base of a class that owns resources: register() children as they are made; dispose()
 * runs once, calls onDispose() first (stop accepting work), then disposes the children in reverse
 * order. disposeAsync() does the same and awaits children whose dispose returns a promise.
 */
export abstract class DisposableBase implements Disposable {
  private readonly children: AsyncDisposable[] = [];
  private disposedFlag = false;

  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** Takes ownership of d; if this is already disposed, d is disposed at once. */
  protected register<T extends AsyncDisposable>(d: T): T {
    if (this.disposedFlag) void Promise.resolve(d.dispose()).catch(() => undefined);
    else this.children.push(d);
    return d;
  }

  /** Releases d now and forgets it. */
  protected release(d: AsyncDisposable): void {
    const i = this.children.indexOf(d);
    if (i >= 0) this.children.splice(i, 1);
    void Promise.resolve(d.dispose()).catch(() => undefined);
  }

  /** Called once, before the children are disposed. */
  protected onDispose(): void {}

  dispose(): void {
    void this.disposeAsync().catch((err: unknown) =>
      queueMicrotask(() => {
        throw err;
      }),
    );
  }

  async disposeAsync(): Promise<void> {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    this.onDispose();
    const list = this.children.splice(0);
    await disposeAllAsync(list);
  }
}

/** Holds at most one disposable: setting a new value disposes the previous one. */
export class MutableDisposable<T extends Disposable> implements Disposable {
  private current: T | undefined;
  private disposedFlag = false;

  get value(): T | undefined {
    return this.current;
  }

  set value(next: T | undefined) {
    if (this.disposedFlag) {
      next?.dispose();
      return;
    }
    if (next === this.current) return;
    const prev = this.current;
    this.current = next;
    prev?.dispose();
  }

  /** Disposes the current value and leaves it empty. */
  clear(): void {
    this.value = undefined;
  }

  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    const prev = this.current;
    this.current = undefined;
    prev?.dispose();
  }
}
