/**
 * The recent output of one terminal session, bounded: what a page that attaches again (after a
 * reload) writes into its new screen before the live output. Kept as the UTF-8 chunks that were
 * sent (whole sequences each, not copied); appends are O(1) amortised; the text is decoded only
 * when it is read. Memory is at most `maxChars` bytes plus one chunk.
 */
export class ReplayBuffer {
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  /** Bytes dropped off the front so far. */
  private droppedBytes = 0;

  /** maxChars: the bound in bytes of UTF-8 text (as many characters for ASCII output). */
  constructor(readonly maxChars: number) {}

  get length(): number {
    return Math.min(this.bytes, this.maxChars);
  }

  /** True once output older than the buffer was dropped. */
  get truncated(): boolean {
    return this.droppedBytes > 0 || this.bytes > this.maxChars;
  }

  /** One chunk of whole UTF-8 sequences (kept as it is: the caller does not reuse it). */
  append(data: Uint8Array): void {
    if (this.maxChars <= 0 || !data.length) return;
    this.chunks.push(data);
    this.bytes += data.length;
    // Whole chunks that lie entirely before the window go; the partial one is cut on read.
    while (this.chunks.length > 1 && this.bytes - this.chunks[0]!.length >= this.maxChars) {
      const c = this.chunks.shift()!;
      this.bytes -= c.length;
      this.droppedBytes += c.length;
    }
  }

  /**
   * The text of the last `maxChars` bytes (at most). When older output was cut, the text starts
   * after the first line break of the window (so no escape sequence or character is cut in half),
   * unless the window has no line break in its first quarter; then at the next character.
   */
  text(): string {
    const all = this.chunks.length === 1 ? Buffer.from(this.chunks[0]!.buffer, this.chunks[0]!.byteOffset, this.chunks[0]!.byteLength) : Buffer.concat(this.chunks);
    this.chunks = all.length ? [all] : [];
    if (all.length <= this.maxChars && this.droppedBytes === 0) return all.toString('utf8');
    let start = Math.max(0, all.length - this.maxChars);
    const nl = all.indexOf(0x0a, start);
    if (nl >= 0 && nl - start < this.maxChars / 4) start = nl + 1;
    else while (start < all.length && (all[start]! & 0xc0) === 0x80) start++;
    return all.toString('utf8', start);
  }

  clear(): void {
    this.chunks = [];
    this.bytes = 0;
  }
}
