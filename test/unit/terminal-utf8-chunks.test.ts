import { describe, expect, it } from 'vitest';
import { utf8Text } from '../../main/contract/frames';
import { completeUtf8Length, utf16Length, utf8CutAt } from '../../main/terminal/utf8-chunks';

const text = 'plain ascii, 矿机 状态 🚀 done, é ß — ok\r\n'.repeat(20);
const bytes = Buffer.from(text, 'utf8');

describe('terminal output kept as UTF-8 bytes', () => {
  it('holds back an incomplete sequence at the end of a read, so reads split anywhere join to the same text', () => {
    for (let step = 1; step <= 7; step++) {
      const chunks: Buffer[] = [];
      let carry = Buffer.alloc(0);
      for (let i = 0; i < bytes.length; i += step) {
        const read = Buffer.concat([carry, bytes.subarray(i, i + step)]);
        const whole = completeUtf8Length(read);
        if (whole > 0) chunks.push(read.subarray(0, whole));
        carry = read.subarray(whole);
        // Never more than one incomplete sequence (at most 3 bytes) waits.
        expect(carry.length).toBeLessThanOrEqual(3);
      }
      for (const c of chunks) expect(c.toString('utf8')).not.toContain('\uFFFD');
      expect(carry.length).toBe(0);
      expect(utf8Text(chunks)).toBe(text);
    }
  });

  it('treats invalid bytes as complete (they decode to U+FFFD where they are, nothing waits forever)', () => {
    expect(completeUtf8Length(Uint8Array.from([0x41, 0xff]))).toBe(2);
    expect(completeUtf8Length(Uint8Array.from([0x41, 0xc0]))).toBe(2);
    expect(completeUtf8Length(Uint8Array.from([0x41, 0xe7, 0x9f]))).toBe(1);
    expect(completeUtf8Length(Uint8Array.from([0x80, 0x80, 0x80, 0x80]))).toBe(4);
  });

  it('cuts a frame only on a sequence boundary', () => {
    for (let max = 1; max < 120; max++) {
      const cut = utf8CutAt(bytes, max);
      expect(cut).toBeLessThanOrEqual(max);
      expect(cut).toBeGreaterThan(max - 4);
      expect(bytes.subarray(0, cut).toString('utf8') + bytes.subarray(cut).toString('utf8')).toBe(text);
    }
    expect(utf8CutAt(bytes, bytes.length + 10)).toBe(bytes.length);
  });

  it('counts UTF-16 chars as the renderer acknowledges them', () => {
    expect(utf16Length(Buffer.from('abc'))).toBe(3);
    expect(utf16Length(bytes)).toBe(text.length);
    expect(utf16Length(Buffer.from('🚀'))).toBe(2);
  });
});
