import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_BACKOFF } from '../../main/contract/backoff';
import { classifySshError, isPermanent } from '../../main/ssh/ssh-errors';

describe('reconnect backoff', () => {
  it('is exponential with full jitter, from about 250 ms up to 30 s', () => {
    const top = { next: () => 0.999999 };
    const bottom = { next: () => 0 };
    expect(backoffDelayMs(0, top)).toBe(250);
    expect(backoffDelayMs(1, top)).toBe(500);
    expect(backoffDelayMs(5, top)).toBe(8000);
    expect(backoffDelayMs(7, top)).toBe(DEFAULT_BACKOFF.capMs);
    expect(backoffDelayMs(1000, top)).toBe(DEFAULT_BACKOFF.capMs);
    expect(backoffDelayMs(10, bottom)).toBe(0);
  });

  it('spreads retries uniformly below the ceiling', () => {
    let seed = 1;
    const random = { next: () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646 };
    const samples = Array.from({ length: 2000 }, () => backoffDelayMs(6, random));
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(Math.max(...samples)).toBeLessThanOrEqual(16_000);
    expect(mean).toBeGreaterThan(7_000);
    expect(mean).toBeLessThan(9_000);
  });

  it('with proportional jitter stays within ± the fraction of the ceiling (the UI link)', () => {
    const policy = { baseMs: 250, capMs: 5_000, jitter: 0.2 };
    expect(backoffDelayMs(0, { next: () => 0 }, policy)).toBe(200);
    expect(backoffDelayMs(0, { next: () => 0.999999 }, policy)).toBe(300);
    expect(backoffDelayMs(2, { next: () => 0.5 }, policy)).toBe(1000);
    expect(backoffDelayMs(10, { next: () => 0.999999 }, policy)).toBe(5_000);
    expect(backoffDelayMs(10, { next: () => 0 }, policy)).toBe(4_000);
  });
});

describe('SSH error classification', () => {
  it('treats a rejected login as permanent and network trouble as transient', () => {
    const auth = classifySshError(Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }), 'svc@edge:22');
    expect(auth.code).toBe('AUTH_FAILED');
    expect(isPermanent(auth)).toBe(true);
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAI_AGAIN']) {
      const e = classifySshError(Object.assign(new Error(code), { code }), 'svc@edge:22');
      expect(e.code).toBe('UNAVAILABLE');
      expect(isPermanent(e)).toBe(false);
      expect(e.hint).toBeTruthy();
    }
    const ka = classifySshError(Object.assign(new Error('Keepalive timeout'), { level: 'client-timeout' }), 'svc@edge:22');
    expect(ka.code).toBe('TIMEOUT');
    expect(ka.message).toMatch(/link is dead/);
    expect(isPermanent(ka)).toBe(false);
  });
});
