import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { cidrContains, formatIpv6, parseCidr, parseIp, parseIpv4, parseIpv6, type Cidr } from '../../main/netboot/cidr';
import { SubnetMatcher } from '../../main/netboot/subnet-matcher';

function cidr(text: string, bare = false): Cidr {
  const r = parseCidr(text, { allowBareAddress: bare });
  if (!r.ok) throw new Error(r.error);
  return r.cidr;
}

function ip(text: string) {
  const a = parseIp(text);
  if (!a) throw new Error(`not an address: ${text}`);
  return a;
}

describe('IP addresses', () => {
  it('parses IPv4 strictly, agreeing with node:net', () => {
    const cases = ['10.40.24.7', '0.0.0.0', '255.255.255.255', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.04', '1..2.3', ' 1.2.3.4', '1.2.3.4 ', '+1.2.3.4', '1.2.3.-4', 'a.b.c.d', ''];
    for (const c of cases) expect(parseIpv4(c) !== undefined, c).toBe(net.isIPv4(c));
    expect(parseIpv4('10.40.24.7')).toBe((10 << 24) + (40 << 16) + (24 << 8) + 7);
  });

  it('parses IPv6 forms, agreeing with node:net, and prints RFC 5952 text', () => {
    const cases = [
      '::',
      '::1',
      'fd00:40:24::7',
      'FD00:0040:0024:0000:0000:0000:0000:0007',
      '2001:db8::1:0:0:1',
      '2001:db8:0:0:1:0:0:1',
      '::ffff:10.1.2.3',
      '64:ff9b::192.0.2.33',
      '1:2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      ':1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:',
      '12345::',
      'g::1',
      '::1.2.3',
      '1:2:3:4:5:6:1.2.3.4',
      '1:2:3:4:5:6:7:1.2.3.4',
    ];
    for (const c of cases) expect(parseIpv6(c) !== undefined, c).toBe(net.isIPv6(c));
    expect(ip('FD00:0040:0024:0000:0000:0000:0000:0007').text).toBe('fd00:40:24::7');
    expect(ip('2001:db8:0:0:1:0:0:1').text).toBe('2001:db8::1:0:0:1'); // first of two equal runs
    expect(ip('2001:db8:0:1:1:1:1:1').text).toBe('2001:db8:0:1:1:1:1:1'); // a single zero group stays
    expect(formatIpv6(0n)).toBe('::');
    expect(ip('fe80::1%eth0')).toMatchObject({ family: 6, text: 'fe80::1', zone: 'eth0' });
  });

  it('treats IPv4-mapped IPv6 (what a dual-stack socket reports) as IPv4', () => {
    const a = ip('::ffff:10.40.24.7');
    expect(a).toMatchObject({ family: 4, text: '10.40.24.7', mapped: true });
    expect(ip('::ffff:0a28:1807')).toMatchObject({ family: 4, text: '10.40.24.7' });
    expect(cidrContains(cidr('10.40.24.0/22'), a)).toBe(true);
    // A network written in mapped form is the IPv4 network.
    expect(cidr('::ffff:10.0.0.0/104').text).toBe('10.0.0.0/8');
    // The deprecated IPv4-compatible form is not mapped.
    expect(ip('::10.1.2.3').family).toBe(6);
  });
});

describe('CIDR networks', () => {
  it('parses and canonicalises', () => {
    expect(cidr('10.40.24.0/22').text).toBe('10.40.24.0/22');
    expect(cidr('FD00:40:24::/64').text).toBe('fd00:40:24::/64');
    expect(cidr('0.0.0.0/0').text).toBe('0.0.0.0/0');
    expect(cidr('::/0').text).toBe('::/0');
    expect(cidr('127.0.0.1', true).text).toBe('127.0.0.1/32');
    expect(cidr('::1', true).text).toBe('::1/128');
  });

  it('says what is wrong', () => {
    const err = (t: string) => {
      const r = parseCidr(t);
      return r.ok ? '' : r.error;
    };
    expect(err('10.40.24.7/22')).toMatch(/host bits set; the network is 10\.40\.24\.0\/22/);
    expect(err('fd00:40:24::1/64')).toMatch(/the network is fd00:40:24::\/64/);
    expect(err('10.40.24.0')).toMatch(/no prefix length/);
    expect(err('10.40.24.0/33')).toMatch(/prefix length from 0 to 32/);
    expect(err('fd00::/129')).toMatch(/0 to 128/);
    expect(err('10.40.24/24')).toMatch(/not an IPv4 or IPv6 address/);
    expect(err('fe80::%eth0/64')).toMatch(/zone/);
  });

  it('contains by family', () => {
    expect(cidrContains(cidr('10.40.24.0/22'), ip('10.40.27.255'))).toBe(true);
    expect(cidrContains(cidr('10.40.24.0/22'), ip('10.40.28.0'))).toBe(false);
    expect(cidrContains(cidr('fd00:40:24::/64'), ip('fd00:40:24::abcd'))).toBe(true);
    expect(cidrContains(cidr('fd00:40:24::/64'), ip('fd00:40:25::1'))).toBe(false);
    expect(cidrContains(cidr('0.0.0.0/0'), ip('fd00::1'))).toBe(false);
    expect(cidrContains(cidr('::/0'), ip('10.0.0.1'))).toBe(false);
  });
});

describe('SubnetMatcher (longest prefix)', () => {
  it('picks the most specific network', () => {
    const m = new SubnetMatcher(
      ['10.0.0.0/8', '10.40.0.0/16', '10.40.24.0/22', '10.40.24.128/25', 'fd00::/16', 'fd00:40:24::/64', '0.0.0.0/0'].map((t) => ({ cidr: cidr(t), value: t })),
    );
    expect(m.match(ip('10.40.24.200'))?.value).toBe('10.40.24.128/25');
    expect(m.match(ip('10.40.24.20'))?.value).toBe('10.40.24.0/22');
    expect(m.match(ip('10.40.99.1'))?.value).toBe('10.40.0.0/16');
    expect(m.match(ip('10.1.1.1'))?.value).toBe('10.0.0.0/8');
    expect(m.match(ip('192.168.1.1'))?.value).toBe('0.0.0.0/0');
    expect(m.match(ip('::ffff:10.40.24.200'))?.value).toBe('10.40.24.128/25');
    expect(m.match(ip('fd00:40:24::1'))?.value).toBe('fd00:40:24::/64');
    expect(m.match(ip('fd00:1::1'))?.value).toBe('fd00::/16');
    expect(m.match(ip('2001:db8::1'))).toBeUndefined();
  });

  it('agrees with a brute-force scan on random networks and addresses', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const nets: Cidr[] = [];
    for (let i = 0; i < 400; i++) {
      const bits = 8 + (rnd() % 25);
      const r = parseCidr(`10.${rnd() % 4}.${rnd() % 256}.${rnd() % 256}/32`);
      if (!r.ok || r.cidr.family !== 4) continue;
      const masked = (r.cidr.v4 & (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0)) >>> 0;
      nets.push(cidr(`${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${bits}`));
    }
    for (let i = 0; i < 100; i++) {
      const bits = 16 + (rnd() % 113);
      const v = (0xfd00n << 112n) | (BigInt(rnd() % 4) << 96n) | (BigInt(rnd()) << 64n) | BigInt(rnd());
      const mask = ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - bits)) - 1n);
      nets.push(cidr(`${formatIpv6(v & mask)}/${bits}`));
    }
    const unique = [...new Map(nets.map((n) => [n.text, n])).values()];
    const m = new SubnetMatcher(unique.map((c) => ({ cidr: c, value: c.text })));
    const brute = (a: ReturnType<typeof ip>) => {
      let best: Cidr | undefined;
      for (const c of unique) if (cidrContains(c, a) && (!best || c.bits > best.bits)) best = c;
      return best?.text;
    };
    for (let i = 0; i < 3000; i++) {
      const a4 = ip(`10.${rnd() % 4}.${rnd() % 256}.${rnd() % 256}`);
      expect(m.match(a4)?.value).toBe(brute(a4));
      const a6 = ip(formatIpv6((0xfd00n << 112n) | (BigInt(rnd() % 4) << 96n) | (BigInt(rnd()) << 64n) | BigInt(rnd())));
      expect(m.match(a6)?.value).toBe(brute(a6));
    }
  });

  it('matches 1,000 subnets fast (precomputed, no scan)', () => {
    const entries = [];
    for (let i = 0; i < 1000; i++) entries.push({ cidr: cidr(`10.${(i >> 8) + 40}.${i & 255}.0/24`), value: i });
    const m = new SubnetMatcher(entries);
    const addrs = Array.from({ length: 1000 }, (_, i) => ip(`10.${(i >> 8) + 40}.${i & 255}.${(i * 7) % 250}`));
    const t0 = performance.now();
    let hits = 0;
    for (let round = 0; round < 200; round++) for (const a of addrs) if (m.match(a)) hits++;
    const perLookupUs = ((performance.now() - t0) * 1000) / 200_000;
    expect(hits).toBe(200_000);
    // 10,000 requests per second leaves 100 µs per request for everything; a lookup must be a sliver of it.
    expect(perLookupUs).toBeLessThan(5);
  });
});
