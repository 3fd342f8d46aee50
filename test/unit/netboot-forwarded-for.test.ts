import { describe, expect, it } from 'vitest';
import { parseCidr, type Cidr } from '../../main/netboot/cidr';
import { parseForwardedElement, resolveClientAddress } from '../../main/netboot/forwarded-for';
import { SubnetMatcher } from '../../main/netboot/subnet-matcher';

function trusted(...texts: string[]): SubnetMatcher<true> {
  return new SubnetMatcher(
    texts.map((t) => {
      const r = parseCidr(t, { allowBareAddress: true });
      if (!r.ok) throw new Error(r.error);
      return { cidr: r.cidr as Cidr, value: true as const };
    }),
  );
}

const proxies = trusted('127.0.0.1/32', '::1', '10.40.23.0/24');

function client(peer: string, xff?: string | string[]) {
  const r = resolveClientAddress(peer, xff, proxies);
  return r.ok ? `${r.ip.text} via ${r.via}` : `error: ${r.reason}`;
}

describe('client address and X-Forwarded-For', () => {
  it('uses the direct peer when it is not a trusted proxy, whatever it claims', () => {
    expect(client('10.40.24.7')).toBe('10.40.24.7 via peer');
    expect(client('10.40.24.7', '10.40.99.99')).toBe('10.40.24.7 via peer');
    expect(client('::ffff:10.40.24.7', '1.2.3.4')).toBe('10.40.24.7 via peer');
  });

  it('believes a trusted proxy: the rightmost untrusted hop is the client', () => {
    expect(client('127.0.0.1', '10.40.24.7')).toBe('10.40.24.7 via forwarded');
    // A client that forges its own X-Forwarded-For only adds entries to the left of the truth.
    expect(client('127.0.0.1', '6.6.6.6, 10.40.24.7')).toBe('10.40.24.7 via forwarded');
    // Trusted hops on the right are skipped.
    expect(client('127.0.0.1', '10.40.24.7, 10.40.23.250')).toBe('10.40.24.7 via forwarded');
    expect(client('::ffff:127.0.0.1', '10.40.24.7,10.40.23.250,127.0.0.1')).toBe('10.40.24.7 via forwarded');
    // Several headers are one list, in order.
    expect(client('127.0.0.1', ['6.6.6.6', '10.40.24.7'])).toBe('10.40.24.7 via forwarded');
  });

  it('takes the leftmost when every hop is trusted, and the peer when the header is empty', () => {
    expect(client('127.0.0.1', '10.40.23.5, 10.40.23.250')).toBe('10.40.23.5 via forwarded');
    expect(client('127.0.0.1', '  ')).toBe('127.0.0.1 via peer');
    expect(client('127.0.0.1')).toBe('127.0.0.1 via peer');
  });

  it('reads ports, brackets and quotes, and IPv6', () => {
    expect(parseForwardedElement('10.40.24.7:4711')?.text).toBe('10.40.24.7');
    expect(parseForwardedElement('[fd00:40:24::7]:80')?.text).toBe('fd00:40:24::7');
    expect(parseForwardedElement('"[fd00:40:24::7]"')?.text).toBe('fd00:40:24::7');
    expect(parseForwardedElement('fd00:40:24::7')?.text).toBe('fd00:40:24::7');
    expect(parseForwardedElement('[10.0.0.1]')).toBeUndefined();
    expect(parseForwardedElement('10.0.0.1:http')).toBeUndefined();
    expect(client('::1', 'fd00:40:24::7')).toBe('fd00:40:24::7 via forwarded');
  });

  it('refuses a malformed hop reached in the walk instead of guessing', () => {
    expect(client('127.0.0.1', '10.40.24.7, unknown')).toMatch(/error: .*"unknown", which is not an IP address/);
    expect(client('127.0.0.1', '10.40.24.7,,10.40.23.250')).toMatch(/an empty element/);
    // A malformed element left of the client is never looked at.
    expect(client('127.0.0.1', 'garbage, 10.40.24.7')).toBe('10.40.24.7 via forwarded');
    expect(client('127.0.0.1', '\u0000\u0001')).toMatch(/"\?\?"/);
    expect(resolveClientAddress(undefined, undefined, proxies).ok).toBe(false);
  });

  it('stops on an absurdly long chain of trusted hops', () => {
    const chain = Array.from({ length: 40 }, () => '10.40.23.1').join(',');
    expect(client('127.0.0.1', chain)).toMatch(/more than 32 trusted hops/);
  });
});
