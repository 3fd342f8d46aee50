import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseIp } from '../../main/netboot/cidr';
import { NeighbourTable, parseIpNeigh, parseProcNetArp, type NeighbourSource } from '../../main/netboot/neighbour-table';
import { ManualClock } from '../support/manual-clock';

// Layouts: /proc/net/arp as the kernel prints it (net/ipv4/arp.c, arp_format_neigh_entry:
// "%-16s 0x%-10x0x%-10x%s     *        %s"; flags 0x2 = ATF_COM, complete; older kernels print the
// MAC in upper case), `ip -6 neigh show` as iproute2 prints it (ADDR dev DEV lladdr MAC [router] STATE).
const ARP = [
  'IP address       HW type     Flags       HW address            Mask     Device',
  '10.40.24.7       0x1         0x2         52:54:00:a1:9c:ae     *        eth0',
  '10.40.24.8       0x1         0x0         00:00:00:00:00:00     *        eth0',
  '10.40.24.9       0x1         0x6         52:54:00:A1:9C:B0     *        eth0',
  'garbage',
  '',
].join('\n');

const NDP = [
  'fd00:40:24::7 dev eth0 lladdr 52:54:00:a1:9c:ae REACHABLE',
  'fe80::1 dev eth0 lladdr 52:54:00:12:34:56 router STALE',
  'fd00:40:24::99 dev eth0 FAILED',
  'fd00:40:24::98 dev eth0 INCOMPLETE',
  'fd00:40:24::97 dev eth0 lladdr zz:zz DELAY',
  '',
].join('\n');

describe('neighbour table parsing', () => {
  it('reads /proc/net/arp, skipping incomplete entries and reporting bad lines', () => {
    const r = parseProcNetArp(ARP);
    expect(r.entries.map((e) => [e.ip.text, e.mac, e.device])).toEqual([
      ['10.40.24.7', '52:54:00:a1:9c:ae', 'eth0'],
      ['10.40.24.9', '52:54:00:a1:9c:b0', 'eth0'],
    ]);
    expect(r.problems).toEqual([{ line: 5, text: 'garbage' }]);
  });

  it('reads `ip -6 neigh`, skipping entries without lladdr', () => {
    const r = parseIpNeigh(NDP);
    expect(r.entries.map((e) => [e.ip.text, e.mac, e.state])).toEqual([
      ['fd00:40:24::7', '52:54:00:a1:9c:ae', 'REACHABLE'],
      ['fe80::1', '52:54:00:12:34:56', 'STALE'],
    ]);
    expect(r.problems.map((p) => p.line)).toEqual([5]);
  });

  it("parses this machine's own /proc/net/arp without problems", async () => {
    const text = await readFile('/proc/net/arp', 'utf8');
    expect(parseProcNetArp(text).problems).toEqual([]);
  });
});

describe('NeighbourTable', () => {
  function source(arp: () => string, ndp: () => string | Error): NeighbourSource & { reads: number } {
    const s = {
      reads: 0,
      readArp: async () => {
        s.reads++;
        return arp();
      },
      readIpv6Neighbours: async () => {
        const v = ndp();
        if (v instanceof Error) throw v;
        return v;
      },
    };
    return s;
  }

  it('finds IPv4 (also when asked with a mapped address) and IPv6 MACs', async () => {
    const t = new NeighbourTable({ clock: new ManualClock(), source: source(() => ARP, () => NDP) });
    expect(await t.lookup(parseIp('::ffff:10.40.24.7')!)).toEqual({ mac: '52:54:00:a1:9c:ae' });
    expect(await t.lookup(parseIp('fd00:40:24::7')!)).toEqual({ mac: '52:54:00:a1:9c:ae' });
    const miss = await t.lookup(parseIp('10.40.24.8')!);
    expect(miss.mac).toBeUndefined();
    expect((miss as { reason: string }).reason).toMatch(/10\.40\.24\.8 has no entry in the neighbour table \(\/proc\/net\/arp\); .*\?mac=\$\{net0\/mac\}/);
  });

  it('re-reads on a miss at most once per refresh interval, sharing concurrent reads', async () => {
    const clock = new ManualClock();
    let arp = ARP;
    const src = source(() => arp, () => NDP);
    const t = new NeighbourTable({ clock, source: src, refreshMs: 1000 });
    await Promise.all(Array.from({ length: 50 }, () => t.lookup(parseIp('10.40.24.50')!)));
    expect(src.reads).toBe(1);
    arp += '10.40.24.50       0x1         0x2         52:54:00:00:00:50     *        eth0\n';
    await t.lookup(parseIp('10.40.24.50')!);
    expect(src.reads).toBe(1); // within the interval: the cached miss stands
    await clock.advance(1000);
    expect(await t.lookup(parseIp('10.40.24.50')!)).toEqual({ mac: '52:54:00:00:00:50' });
    expect(src.reads).toBe(2);
    await t.lookup(parseIp('10.40.24.7')!); // a hit never reads
    expect(src.reads).toBe(2);
  });

  it('says when a table cannot be read', async () => {
    const t = new NeighbourTable({ clock: new ManualClock(), source: source(() => ARP, () => new Error('spawn ip ENOENT')) });
    const r = await t.lookup(parseIp('fd00:40:24::7')!);
    expect(r).toEqual({ reason: 'the neighbour table could not be read (spawn ip ENOENT)' });
    expect(await t.lookup(parseIp('10.40.24.7')!)).toEqual({ mac: '52:54:00:a1:9c:ae' });
  });
});
