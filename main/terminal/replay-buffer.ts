/**
 * The recent output of one terminal session, bounded: what a page that attaches again (after a
 * reload) writes into its new screen before the live output. Appends are O(1) amortised; the text
 * is joined only when it is read. Memory is at most `maxChars` plus one frame.
 */
export class ReplayBuffer {
  private chunks: string[] = [];
  private chars = 0;
  /** Characters dropped off the front so far. */
  private droppedChars = 0;

  constructor(readonly maxChars: number) {}

  get length(): number {
    return Math.min(this.chars, this.maxChars);
  }

  /** True once output older than the buffer was dropped. */
  get truncated(): boolean {
    return this.droppedChars > 0 || this.chars > this.maxChars;
  }

  append(data: string): void {
    if (this.maxChars <= 0 || !data) return;
    this.chunks.push(data);
    this.chars += data.length;
    // Whole chunks that lie entirely before the window go; the partial one is cut on read.
    while (this.chunks.length > 1 && this.chars - this.chunks[0]!.length >= this.maxChars) {
      const c = this.chunks.shift()!;
      this.chars -= c.length;
      this.droppedChars += c.length;
    }
  }

  /**
   * The last `maxChars` characters (at most). When older output was cut, the text starts after the
   * first line break of the window (so no escape sequence or character is cut in half), unless
   * the window has no line break in its first quarter.
   */
  text(): string {
    const all = this.chunks.length === 1 ? this.chunks[0]! : this.chunks.join('');
    this.chunks = all ? [all] : [];
    if (all.length <= this.maxChars && this.droppedChars === 0) return all;
    let start = Math.max(0, all.length - this.maxChars);
    const nl = all.indexOf('\n', start);
    if (nl >= 0 && nl - start < this.maxChars / 4) start = nl + 1;
    else if (start > 0 && isLowSurrogate(all.charCodeAt(start))) start++;
    return all.slice(start);
  }

  clear(): void {
    this.chunks = [];
    this.chars = 0;
  }
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
