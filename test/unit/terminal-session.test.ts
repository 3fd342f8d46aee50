// TerminalSession's data path with a scripted source and a manual clock: batching (at once after a
// quiet line, gathered during a flood), frame sizes, bounded flow control, nothing lost.
import { describe, expect, it } from 'vitest';
import { Emitter } from '../../main/contract/lifecycle';
import type { TerminalBusy, TerminalOutput } from '../../main/contract/terminal';
import { DEFAULT_FLOW, TerminalSession, type FlowControl } from '../../main/terminal/terminal-session';
import type { TerminalExit, TerminalSource } from '../../main/terminal/terminal-source';
import { ManualClock } from '../support/manual-clock';

/** A source that produces whatever the test pushes, and counts pauses and resumes. */
class ScriptedSource implements TerminalSource {
  readonly pid = 4242;
  private readonly data = new Emitter<string>();
  private readonly exit = new Emitter<TerminalExit>();
  readonly onData = this.data.event;
  readonly onExit = this.exit.event;
  paused = false;
  pauses = 0;
  resumes = 0;
  written: string[] = [];
  emit(d: string): void {
    this.data.fire(d);
  }
  write(d: string): void {
    this.written.push(d);
  }
  resize(): void {}
  foreground(): Promise<TerminalBusy> {
    return Promise.resolve({ busy: 'unknown', how: 'scripted' });
  }
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
    this.resumes++;
  }
  dispose(): void {}
}

const info = { id: 's1', title: 'local', host: 'local', kind: 'local' as const, state: 'starting' as const, cols: 80, rows: 24 };

function setup(flow: FlowControl = DEFAULT_FLOW) {
  const clock = new ManualClock();
  const source = new ScriptedSource();
  const session = new TerminalSession(info, source, flow, clock);
  const frames: string[] = [];
  const events: TerminalOutput[] = [];
  const sub = session.attach((e) => {
    events.push(e);
    if (e.kind === 'data') frames.push(e.data);
  });
  return { clock, source, session, frames, events, sub };
}

/** Deterministic printable lines, like the benchmark's file. */
function line(seq: number): string {
  let body = '';
  for (let i = 0; i < 89; i++) body += String.fromCharCode(33 + ((seq * 7 + i) % 94));
  return `${String(seq).padStart(9, '0')} ${body}\r\n`;
}

describe('TerminalSession data path', () => {
  it('sends output after a quiet line at once, and gathers output that follows within the batch time', async () => {
    const { clock, source, frames } = setup();
    source.emit('a');
    // No timer needed: the echo of a key goes out in the same turn.
    expect(frames).toEqual(['a']);
    source.emit('b');
    source.emit('c');
    expect(frames).toEqual(['a']);
    await clock.advance(DEFAULT_FLOW.batchMs);
    expect(frames).toEqual(['a', 'bc']);
    await clock.advance(50);
    source.emit('d');
    expect(frames).toEqual(['a', 'bc', 'd']);
  });

  it('cuts a flood into frames of at most maxFrameChars, never inside a surrogate pair', async () => {
    const flow = { ...DEFAULT_FLOW, maxFrameChars: 8 };
    const { clock, source, frames, session } = setup(flow);
    source.emit('x');
    // 7 characters, then an astral character (two UTF-16 units) across the 8-unit boundary.
    source.emit('1234567😀890123456789');
    await clock.advance(flow.batchMs);
    expect(frames.join('')).toBe('x1234567😀890123456789');
    for (const f of frames) {
      expect(f.length).toBeLessThanOrEqual(8);
      expect(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(f)).toBe(false);
    }
    session.dispose();
  });

  it('loses nothing under a flood into a slow consumer, and holds at most the window plus one read', async () => {
    const flow = { ...DEFAULT_FLOW };
    const { clock, source, session, frames } = setup(flow);
    const readChars = 4096;
    let produced = '';
    let seq = 0;
    let maxHeld = 0;
    let parsed = 0;
    // The consumer parses 64 KiB every 19 ms; the source reads whenever it is not paused.
    for (let step = 0; step < 4000 && seq < 60_000; step++) {
      // Up to 8 reads a millisecond: four times what the consumer takes.
      for (let r = 0; r < 8 && !source.paused; r++) {
        let chunk = '';
        while (chunk.length < readChars) chunk += line(seq++);
        produced += chunk;
        source.emit(chunk);
      }
      maxHeld = Math.max(maxHeld, session.unackedChars);
      if (step % 4 === 3) {
        await clock.advance(16);
        const received = frames.reduce((a, f) => a + f.length, 0);
        const take = Math.min(received - parsed, 64 * 1024);
        parsed += take;
        session.ack(take);
      } else await clock.advance(1);
    }
    await clock.advance(100);
    session.ack(frames.reduce((a, f) => a + f.length, 0) - parsed);
    expect(source.pauses).toBeGreaterThan(0);
    expect(source.resumes).toBe(source.pauses);
    // Every character, in order.
    expect(frames.join('')).toBe(produced);
    // Bounded: what the session ever held unacknowledged.
    expect(maxHeld).toBeLessThanOrEqual(flow.highWatermarkChars + readChars + 200);
    expect(session.unackedChars).toBe(0);
    for (const f of frames) expect(f.length).toBeLessThanOrEqual(flow.maxFrameChars);
    session.dispose();
  });

  it('holds output while nobody is attached, bounded by the window, and sends it on attach', async () => {
    const clock = new ManualClock();
    const source = new ScriptedSource();
    const session = new TerminalSession(info, source, DEFAULT_FLOW, clock);
    let produced = '';
    let seq = 0;
    while (!source.paused) {
      const chunk = line(seq++).repeat(40);
      produced += chunk;
      source.emit(chunk);
    }
    expect(session.unackedChars).toBeLessThanOrEqual(DEFAULT_FLOW.highWatermarkChars + 4100);
    const frames: string[] = [];
    session.attach((e) => e.kind === 'data' && frames.push(e.data));
    expect(frames.join('')).toBe(produced);
    session.ack(produced.length);
    expect(source.paused).toBe(false);
    session.dispose();
    expect(clock.pending).toBe(0);
  });
});
