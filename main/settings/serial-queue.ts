/**
 * Runs async tasks one at a time in the order they were queued, so read-modify-write sequences
 * (settings updates, vault writes) never interleave and no update is lost. A failed task does not
 * stop the ones after it.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  run<T>(task: () => Promise<T> | T): Promise<T> {
    this.pending++;
    const result = this.tail.then(task);
    this.tail = result.then(
      () => this.pending--,
      () => this.pending--,
    );
    return result;
  }

  /** Tasks queued or running. */
  get size(): number {
    return this.pending;
  }

  /** Resolves when every task queued so far has finished (successfully or not). */
  async idle(): Promise<void> {
    await this.tail;
  }
}
