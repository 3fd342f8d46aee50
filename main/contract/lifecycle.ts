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
