import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TunnelProfileStore } from '../../main/tunnels/tunnel-profile-store';

const root = path.resolve(__dirname, '../..');

describe('sample configs in resources/', () => {
  it('the seed tunnel profile loads as a tunnels.json, with its three forwards', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'drover-samples-'));
    try {
      await copyFile(path.join(root, 'resources/tunnels/tunnels.sample.json'), path.join(dir, 'tunnels.json'));
      const { items: profiles, notices } = await new TunnelProfileStore(dir).load();
      expect(notices).toEqual([]);
      expect(profiles).toHaveLength(1);
      expect(profiles[0]!.forwards.map((f) => `${f.kind === 'dynamic' ? '' : f.bindAddress}:${f.bindPort}`)).toEqual(['127.0.0.1:9092', '10.40.23.250:8086', '127.0.0.1:2379']);
      expect(profiles[0]!.keepalive).toEqual({ intervalSec: 10, countMax: 3 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
