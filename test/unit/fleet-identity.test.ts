import { describe, expect, it } from 'vitest';
import type { FleetHost, FleetLookup } from '../../main/contract/fleet';
import { indexHosts, lookupHost, sameHostname } from '../../main/contract/fleet-identity';
import { normalizeMac } from '../../main/contract/mac-address';

// Matching what a page knows about a machine to its Fleet host: the index the renderer builds
// once per inventory answers exactly as the linear lookup that fleet.lookup uses.

function host(id: string, extra: Partial<FleetHost> = {}, targetHost = `${id}.lan`): FleetHost {
  return { id, name: id, group: 'rigs', target: { host: targetHost, port: 22, user: 'root' }, jumps: [], tags: [], ...extra };
}

const HOSTS: FleetHost[] = [
  host('rig-07', { mac: '52:54:00:00:00:07', ip: '10.0.0.7', hostname: 'rig-07.farm.lan', lotusWorker: 'w-seal-7' }),
  host('rig-08', { mac: '52:54:00:00:00:08', hostname: 'rig-08' }, '10.0.0.8'),
  host('kvm-1', { ip: '10.0.1.1' }, 'kvm1.dc.example'),
  host('ipname', {}, '10.0.0.9'),
  host('dup-a', { hostname: 'twin' }),
  host('dup-b', { hostname: 'twin.farm.lan', lotusWorker: 'twin' }),
  host('Upper', { hostname: 'UPPER.Farm.Lan.' }, 'Upper.LAN'),
];

describe('fleet identity matching', () => {
  it('finds a machine by MAC in any spelling, host name (short or FQDN), lotus worker, IP and SSH host', () => {
    const idx = indexHosts(HOSTS);
    const id = (q: FleetLookup) => idx.find(q)?.id;
    expect(id({ mac: '52-54-00-00-00-07' })).toBe('rig-07');
    expect(id({ mac: '525400000008' })).toBe('rig-08');
    expect(id({ mac: 'not-a-mac', hostname: 'rig-07' })).toBeUndefined(); // a bad MAC is no match, not a fallback
    expect(id({ hostname: 'rig-07' })).toBe('rig-07');
    expect(id({ hostname: 'rig-08.farm.lan' })).toBe('rig-08');
    expect(sameHostname('rig-07.farm.lan', 'rig-07.other.lan')).toBe(false); // two different FQDNs
    expect(id({ lotusWorker: 'W-SEAL-7' })).toBe('rig-07');
    expect(id({ ip: '10.0.0.7' })).toBe('rig-07');
    expect(id({ ip: '10.0.0.8' })).toBe('rig-08'); // the SSH target's address
    expect(id({ sshHost: 'KVM1.dc.example' })).toBe('kvm-1');
    expect(id({ sshHost: 'upper.farm.lan' })).toBe('Upper');
    expect(id({ ip: '10.9.9.9', sshHost: 'nowhere' })).toBeUndefined();
    expect(id({ mac: '52:54:00:99:99:99', ip: '10.0.0.7' })).toBe('rig-07'); // falls through to the next fact
  });

  it('answers exactly as the linear lookup for every combination of known and unknown facts', () => {
    const idx = indexHosts(HOSTS);
    const values = {
      mac: [undefined, '52:54:00:00:00:07', '52:54:00:00:00:08', '52:54:00:ff:ff:ff', 'bogus'],
      hostname: [undefined, 'rig-07', 'rig-07.farm.lan', 'twin', 'twin.farm.lan', 'twin.other', 'upper', '10.0.0.7', 'kvm-1', ''],
      lotusWorker: [undefined, 'twin', 'w-seal-7', 'rig-08', 'nope'],
      ip: [undefined, '10.0.0.7', '10.0.0.9', '10.0.1.1', '10.1.1.1'],
      sshHost: [undefined, 'kvm1.dc.example', 'upper.lan', 'twin', 'rig-08.x.y', 'none'],
    };
    let n = 0;
    for (const mac of values.mac)
      for (const hostname of values.hostname)
        for (const lotusWorker of values.lotusWorker)
          for (const ip of values.ip)
            for (const sshHost of values.sshHost) {
              const q: FleetLookup = { mac, hostname, lotusWorker, ip, sshHost };
              expect(idx.find(q)?.id, JSON.stringify(q)).toBe(lookupHost(HOSTS, q)?.id);
              n++;
            }
    expect(n).toBe(5 * 10 * 5 * 5 * 6);
  });

  it('keeps inventory order among machines that match the same fact', () => {
    expect(indexHosts(HOSTS).find({ hostname: 'twin' })?.id).toBe('dup-a');
    expect(indexHosts([...HOSTS].reverse()).find({ hostname: 'twin' })?.id).toBe('dup-b');
    expect(sameHostname('twin', 'twin.farm.lan')).toBe(true);
    expect(normalizeMac('5254.0000.0007')).toBe('52:54:00:00:00:07');
  });

  it('indexes 5,000 hosts and matches 5,000 rows without a scan per row', () => {
    const many = Array.from({ length: 5000 }, (_, i) => host(`h${i}`, { mac: normalizeMac((0x525400000000 + i).toString(16))!, hostname: `h${i}.farm.lan` }));
    const t0 = performance.now();
    const idx = indexHosts(many);
    for (let i = 0; i < 5000; i++) expect(idx.find({ hostname: `h${4999 - i}` })?.id).toBe(`h${4999 - i}`);
    // Generous (loaded machine): a scan per row would be 25 M name comparisons.
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
