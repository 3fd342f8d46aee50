import { describe, expect, it } from 'vitest';
import { addRecent, MAX_RECENT, profileDestinations, readRecent } from '../../renderer/src/features/terminal/terminal-destinations';

const hop = (host: string, port = 22, user = 'ops') => ({ host, port, user });

describe('terminal destinations: recent hosts', () => {
  it('reads what was stored, dropping anything that is not a destination (null included: it used to throw, and with it the store)', () => {
    const stored = [
      { target: hop('rig-1'), jumps: [] },
      { target: hop('rig-2'), jumps: [hop('bastion')] },
      { target: { host: 'rig-3', user: 'ops' }, jumps: [] }, // no port
      { target: hop('rig-4'), jumps: [{ host: 'x' }] },
      { target: hop('rig-5') },
      'garbage',
      null,
      7,
    ];
    const recent = readRecent(stored);
    expect(recent.map((r) => r.name)).toEqual(['ops@rig-1:22', 'ops@bastion:22 > ops@rig-2:22']);
    expect(recent[0]).toEqual({ key: 'recent:ops@rig-1:22', name: 'ops@rig-1:22', source: 'recent', target: hop('rig-1'), jumps: [] });
    expect(readRecent('nope')).toEqual([]);
    expect(readRecent(undefined)).toEqual([]);
  });

  it(`keeps at most ${MAX_RECENT}`, () => {
    const many = Array.from({ length: 15 }, (_, i) => ({ target: hop(`rig-${i}`), jumps: [] }));
    expect(readRecent(many)).toHaveLength(MAX_RECENT);
  });

  it('puts the host just opened first, once, and never remembers local shells', () => {
    let recent = addRecent([], { kind: 'ssh', target: hop('a'), jumps: [] });
    recent = addRecent(recent, { kind: 'ssh', target: hop('b'), jumps: [] });
    recent = addRecent(recent, { kind: 'ssh', target: hop('a'), jumps: [] });
    expect(recent.map((r) => r.target.host)).toEqual(['a', 'b']);
    expect(addRecent(recent, { kind: 'local' })).toBe(recent);
    // The same host through a jump is another route.
    recent = addRecent(recent, { kind: 'ssh', target: hop('a'), jumps: [hop('j')] });
    expect(recent.map((r) => r.key)).toEqual(['recent:ops@j:22 > ops@a:22', 'recent:ops@a:22', 'recent:ops@b:22']);
    for (let i = 0; i < 20; i++) recent = addRecent(recent, { kind: 'ssh', target: hop(`h${i}`), jumps: [] });
    expect(recent).toHaveLength(MAX_RECENT);
    expect(recent[0]!.target.host).toBe('h19');
  });
});

describe('terminal destinations: tunnel profiles', () => {
  it('offers one destination per route, named by its first profile', () => {
    const profiles = profileDestinations([
      { id: 'kafka', name: 'Kafka', target: hop('gw'), jumps: [] },
      { id: 'influx', name: 'InfluxDB', target: hop('gw'), jumps: [] },
      { id: 'etcd', name: 'etcd', target: hop('gw'), jumps: [hop('bastion')] },
    ]);
    expect(profiles).toEqual([
      { key: 'profile:kafka', name: 'Kafka', source: 'profile', target: hop('gw'), jumps: [] },
      { key: 'profile:etcd', name: 'etcd', source: 'profile', target: hop('gw'), jumps: [hop('bastion')] },
    ]);
    expect(profileDestinations([])).toEqual([]);
  });
});
