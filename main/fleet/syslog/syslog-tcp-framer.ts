const LF = 0x0a;
const SP = 0x20;
const LT = 0x3c; // '<'
const MAX_LENGTH_DIGITS = 9;

export type FrameHandler = (frame: Buffer, truncated: boolean) => void;

/**
 * Splits a syslog TCP stream into frames (RFC 6587). Each frame is either octet-counted
 * ("LEN SP <PRI>..."; digits, a space and then "<") or newline-terminated (anything else), decided
 * per frame, so a sender may mix them. Frames over maxFrameBytes are cut (the rest is skipped up to
 * the frame's end) and flagged truncated. Memory held is bounded by maxFrameBytes. Empty lines are
 * dropped.
 */
export class SyslogTcpFramer {
  private pending: Buffer = Buffer.alloc(0);
  /** The frame being collected (kept bytes) and what is left of an octet-counted one. */
  private parts: Buffer[] = [];
  private kept = 0;
  private mode: 'start' | 'octets' | 'line' = 'start';
  private octetsLeft = 0;
  private truncated = false;
  private ending = false;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly onFrame: FrameHandler,
  ) {}

  push(chunk: Buffer): void {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    let pos = 0;
    while (pos < buf.length) {
      if (this.mode === 'start') {
        const b = buf[pos]!;
        if (b === LF || b === 0x0d || b === 0) {
          pos++;
          continue;
        }
        if (b >= 0x30 && b <= 0x39) {
          // Maybe "LEN SP <": look ahead; keep the bytes for later if the chunk ends first.
          let i = pos;
          while (i < buf.length && i - pos < MAX_LENGTH_DIGITS && buf[i]! >= 0x30 && buf[i]! <= 0x39) i++;
          const ranOut = i === buf.length || (buf[i] === SP && i + 1 === buf.length);
          if (ranOut && i - pos < MAX_LENGTH_DIGITS && !this.ending) {
            this.pending = Buffer.from(buf.subarray(pos));
            return;
          }
          if (buf[i] === SP && buf[i + 1] === LT) {
            this.mode = 'octets';
            this.octetsLeft = Number(buf.toString('latin1', pos, i));
            pos = i + 1;
            continue;
          }
        }
        this.mode = 'line';
        continue;
      }
      if (this.mode === 'octets') {
        const take = Math.min(this.octetsLeft, buf.length - pos);
        this.keep(buf.subarray(pos, pos + take));
        this.octetsLeft -= take;
        pos += take;
        if (this.octetsLeft === 0) this.emit();
        continue;
      }
      // line
      const nl = buf.indexOf(LF, pos);
      const end = nl < 0 ? buf.length : nl;
      this.keep(buf.subarray(pos, end));
      pos = end;
      if (nl >= 0) {
        pos++;
        this.emit();
      }
    }
  }

  /** The stream ended: a newline-framed frame without its newline still counts. */
  end(): void {
    if (this.pending.length > 0) {
      // The stream ended while deciding the framing: what is left is a line.
      this.ending = true;
      this.push(Buffer.alloc(0));
      this.ending = false;
    }
    if (this.mode === 'line' && this.kept > 0) this.emit();
    else if (this.mode === 'octets' && this.kept > 0) {
      this.truncated = true;
      this.emit();
    }
    this.pending = Buffer.alloc(0);
    this.reset();
  }

  private keep(bytes: Buffer): void {
    const room = this.maxFrameBytes - this.kept;
    if (bytes.length > room) this.truncated = true;
    if (room <= 0 || bytes.length === 0) return;
    // Copy: the chunk's memory must not be held by a frame that is still being assembled.
    const part = Buffer.from(bytes.subarray(0, room));
    this.parts.push(part);
    this.kept += part.length;
  }

  private emit(): void {
    const frame = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.kept);
    const truncated = this.truncated;
    this.reset();
    if (frame.length > 0) this.onFrame(frame, truncated);
  }

  private reset(): void {
    this.parts = [];
    this.kept = 0;
    this.truncated = false;
    this.mode = 'start';
    this.octetsLeft = 0;
  }
}
