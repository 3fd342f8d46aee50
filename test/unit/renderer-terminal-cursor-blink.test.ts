import { describe, expect, it } from 'vitest';
import { BLINK_RESUME_MS, BLINK_STOP_MS, CursorBlinkPolicy } from '../../renderer/src/features/terminal/cursor-blink';
import { ManualClock } from '../support/manual-clock';

function setup() {
  const clock = new ManualClock();
  const calls: boolean[] = [];
  const policy = new CursorBlinkPolicy(clock, (on) => calls.push(on));
  return { clock, calls, policy };
}

describe('CursorBlinkPolicy', () => {
  it('starts steady, blinks after a quiet second, and stops blinking after 15 s of quiet', async () => {
    const { clock, calls, policy } = setup();
    expect(calls).toEqual([false]);
    await clock.advance(BLINK_RESUME_MS - 1);
    expect(policy.isBlinking).toBe(false);
    await clock.advance(1);
    expect(policy.isBlinking).toBe(true);
    expect(calls).toEqual([false, true]);
    await clock.advance(BLINK_STOP_MS - BLINK_RESUME_MS - 1);
    expect(policy.isBlinking).toBe(true);
    await clock.advance(1);
    expect(policy.isBlinking).toBe(false);
    expect(calls).toEqual([false, true, false]);
    // Quiet for good: no timer left, nothing more happens.
    await clock.advance(60_000);
    expect(calls).toEqual([false, true, false]);
  });

  it('keeps the cursor steady while keys or output keep coming', async () => {
    const { clock, calls, policy } = setup();
    for (let i = 0; i < 100; i++) {
      policy.activity();
      await clock.advance(50);
    }
    expect(policy.isBlinking).toBe(false);
    expect(calls).toEqual([false]);
    await clock.advance(BLINK_RESUME_MS);
    expect(policy.isBlinking).toBe(true);
  });

  it('turns blinking off at once on activity, and back on after the next quiet second', async () => {
    const { clock, calls, policy } = setup();
    await clock.advance(BLINK_RESUME_MS + 500);
    expect(policy.isBlinking).toBe(true);
    policy.activity();
    expect(policy.isBlinking).toBe(false);
    expect(calls).toEqual([false, true, false]);
    await clock.advance(BLINK_RESUME_MS - 1);
    expect(policy.isBlinking).toBe(false);
    await clock.advance(1);
    expect(policy.isBlinking).toBe(true);
    // The 15 s count starts again from the last activity.
    await clock.advance(BLINK_STOP_MS - BLINK_RESUME_MS - 1);
    expect(policy.isBlinking).toBe(true);
    await clock.advance(1);
    expect(policy.isBlinking).toBe(false);
  });

  it('wakes up from the stopped state on activity', async () => {
    const { clock, policy } = setup();
    await clock.advance(BLINK_STOP_MS + 1);
    expect(policy.isBlinking).toBe(false);
    policy.activity();
    await clock.advance(BLINK_RESUME_MS);
    expect(policy.isBlinking).toBe(true);
  });

  it('does nothing after dispose', async () => {
    const { clock, calls, policy } = setup();
    policy.dispose();
    policy.activity();
    await clock.advance(BLINK_STOP_MS * 2);
    expect(calls).toEqual([false]);
  });
});
