export interface RingBufferOptions<T> {
  /** At most this many items. */
  maxItems: number;
  /** At most this many bytes, as sizeOf counts them. */
  maxBytes: number;
  sizeOf: (item: T) => number;
  /** The sequence number of the first push (default 1): a rebuilt buffer continues the old one's numbering. */
  startSeq?: number;
}

/**
 * A bounded FIFO that numbers what it stores: push() gives each item the next sequence number
 * (1, 2, ...); when the count or the byte total goes over its bound the oldest items go. Readers ask
 * for items after a sequence number (follow), or the newest n (a fresh view). O(1) push.
 */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private readonly sizes: Float64Array;
  private head = 0; // index of the oldest item
  private count = 0;
  private byteTotal = 0;
  private next = 1;
  private evictedCount = 0;

  constructor(private readonly options: RingBufferOptions<T>) {
    if (!Number.isInteger(options.maxItems) || options.maxItems < 1) throw new RangeError('maxItems must be a positive integer');
    if (!(options.maxBytes > 0)) throw new RangeError('maxBytes must be positive');
    this.items = new Array<T | undefined>(options.maxItems);
    this.sizes = new Float64Array(options.maxItems);
    if (options.startSeq !== undefined) {
      if (!Number.isSafeInteger(options.startSeq) || options.startSeq < 1) throw new RangeError('startSeq must be a positive integer');
      this.next = options.startSeq;
    }
  }

  /** The sequence number the next push() will give. */
  get nextSeq(): number {
    return this.next;
  }

  /** Sequence number of the oldest item held (nextSeq when empty). */
  get firstSeq(): number {
    return this.next - this.count;
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.byteTotal;
  }

  /** Items dropped to make room since the start. */
  get evicted(): number {
    return this.evictedCount;
  }

  get capacity(): { maxItems: number; maxBytes: number } {
    return { maxItems: this.options.maxItems, maxBytes: this.options.maxBytes };
  }

  /** Stores an item and returns its sequence number. An item larger than maxBytes on its own is still kept (alone). */
  push(item: T): number {
    const size = Math.max(0, this.options.sizeOf(item));
    while (this.count > 0 && (this.count >= this.options.maxItems || this.byteTotal + size > this.options.maxBytes)) this.dropOldest();
    const idx = (this.head + this.count) % this.options.maxItems;
    this.items[idx] = item;
    this.sizes[idx] = size;
    this.count++;
    this.byteTotal += size;
    return this.next++;
  }

  private dropOldest(): void {
    this.byteTotal -= this.sizes[this.head]!;
    this.items[this.head] = undefined;
    this.sizes[this.head] = 0;
    this.head = (this.head + 1) % this.options.maxItems;
    this.count--;
    this.evictedCount++;
  }

  /** The item with this sequence number, if still held. */
  get(seq: number): T | undefined {
    const offset = seq - this.firstSeq;
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.count) return undefined;
    return this.items[(this.head + offset) % this.options.maxItems];
  }

  /** Items with a sequence number above `seq`, oldest first, at most `limit`. */
  after(seq: number, limit = Infinity): T[] {
    const out: T[] = [];
    const start = Math.max(0, Math.floor(seq) + 1 - this.firstSeq);
    for (let i = start; i < this.count && out.length < limit; i++) out.push(this.items[(this.head + i) % this.options.maxItems]!);
    return out;
  }

  /**
   * The newest items that pass `accept`, oldest first, at most `limit`, optionally only those
   * before sequence number `beforeSeq` (paging back through history).
   */
  newest(limit: number, accept: (item: T) => boolean = () => true, beforeSeq = Infinity): T[] {
    const out: T[] = [];
    const end = Math.min(this.count, Math.max(0, beforeSeq - this.firstSeq));
    for (let i = end - 1; i >= 0 && out.length < limit; i--) {
      const item = this.items[(this.head + i) % this.options.maxItems]!;
      if (accept(item)) out.push(item);
    }
    return out.reverse();
  }

  toArray(): T[] {
    return this.after(this.firstSeq - 1);
  }

  clear(): void {
    this.items.fill(undefined);
    this.sizes.fill(0);
    this.head = 0;
    this.count = 0;
    this.byteTotal = 0;
  }
}
