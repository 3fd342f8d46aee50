import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../main/contract/clock';
import { isAppError } from '../../main/contract/errors';
import type { EtcdKv } from '../../main/contract/etcd';
import { readBackupFile, serializeBackup } from '../../main/etcd/backup-file';
import { EtcdSession, EtcdSessionRegistry, forwardAddress } from '../../main/etcd/etcd-session';
import { exportPrefix, importFile } from '../../main/etcd/export-import';
import { listEnvTable, mergedWorkerEnv, parseKeyPattern, validateEnvEdit, workerEnvKey } from '../../main/etcd/farm-keys';
import { readHistory, restoreRevision } from '../../main/etcd/history';
import { fastRange } from '../../main/etcd/fast-range';
import { listChildren, type TreeStats } from '../../main/etcd/key-tree';
import { countKeys, listKeys, listValues, readKey, walkKeys } from '../../main/etcd/key-pager';
import { leaseInfo, listLeases } from '../../main/etcd/leases';
import { backupBeforeDelete, confirmationText, deleteBackedUpPrefix, deletePrefix, planPrefixDelete, restoreBackup } from '../../main/etcd/prefix-delete';
import { ResumableWatch, sessionWatchSource, type WatchBatch } from '../../main/etcd/resumable-watch';
import { createKey, deleteKey, updateKey } from '../../main/etcd/safe-edit';
import { fromBase64 } from '../../main/etcd/value-codec';
import { MemorySecretStore } from '../../main/settings/secret-store';
import type { TunnelProfile, TunnelStatus } from '../../main/contract/tunnels';
import {
  getFreePorts,
  makeTempDir,
  runEtcdctl,
  startEtcd,
  startFaultProxy,
  startProcess,
  stopAll,
  tcpProbe,
  type EtcdctlResult,
  type EtcdHandle,
  type ManagedProcess,
  type TempDir,
} from '../harness';

const BIG = 100_000;

let etcd: EtcdHandle;
let session: EtcdSession;
let tmp: TempDir;

function etcdctl(args: string[], options: { endpoint?: string; input?: Buffer; extra?: string[] } = {}): Promise<EtcdctlResult> {
  return runEtcdctl(options.endpoint ?? etcd.endpoint, args, options);
}

/** etcdctl get -w json: keys and values as base64, revisions. */
async function etcdctlGetJson(prefix: string): Promise<{ key: Buffer; value: Buffer; mod: number }[]> {
  const r = await etcdctl(['get', prefix, '--prefix', '-w', 'json']);
  expect(r.code, r.stderr).toBe(0);
  const doc = JSON.parse(r.stdout) as { kvs?: { key: string; value?: string; mod_revision: number }[] };
  return (doc.kvs ?? []).map((kv) => ({ key: Buffer.from(kv.key, 'base64'), value: Buffer.from(kv.value ?? '', 'base64'), mod: kv.mod_revision }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const bigKey = (i: number) => {
  const dc = Math.floor(i / 10_000);
  const rack = Math.floor((i % 10_000) / 100);
  const w = i % 100;
  return `/big/dc${dc}/rack${String(rack).padStart(2, '0')}/w${String(w).padStart(3, '0')}`;
};

async function loadBig(): Promise<void> {
  const BATCH = 128;
  const batches: number[] = [];
  for (let i = 0; i < BIG; i += BATCH) batches.push(i);
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const start = batches[next++]!;
      const ops = [];
      for (let j = start; j < Math.min(BIG, start + BATCH); j++) ops.push({ request_put: { key: Buffer.from(bigKey(j)), value: Buffer.from(`v${j}`) } });
      await session.client.kv.txn({ success: ops });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  // Extra shapes for the tree: a leaf beside directories, a key that is both a leaf and a directory prefix.
  await session.client.kv.txn({
    success: [
      { request_put: { key: Buffer.from('/big/README'), value: Buffer.from('readme') } },
      { request_put: { key: Buffer.from('/big/dc1'), value: Buffer.from('leaf and dir') } },
      { request_put: { key: Buffer.from('/big/dc1-old/x'), value: Buffer.from('sorts between dc1 and dc1/') } },
    ],
  });
}

beforeAll(async () => {
  etcd = await startEtcd();
  tmp = await makeTempDir('drover-etcd-core-');
  session = await EtcdSession.open({ id: 'main', name: 'test etcd', target: { kind: 'direct', endpoints: [etcd.endpoint] } }, { clock: systemClock });
});

afterAll(async () => {
  session?.dispose();
  await etcd?.stop();
  await tmp?.remove();
  await stopAll();
});

describe('session', () => {
  it('reports members, leader, version, DB size, raft index and alarms like etcdctl endpoint status', async () => {
    const st = await session.status();
    const ctl = await etcdctl(['endpoint', 'status', '-w', 'json']);
    const ref = (JSON.parse(ctl.stdout) as { Status: { header: { member_id: number }; version: string; leader: number; raftIndex: number } }[])[0]!.Status;
    expect(st.version).toBe(ref.version);
    expect(st.members).toHaveLength(1);
    expect(st.members[0]!.isLeader).toBe(true);
    expect(st.leaderId).toBe(st.memberId);
    // etcdctl prints uint64 ids as JSON numbers (rounded by JSON.parse): compare the hex forms it uses in tables.
    const table = await etcdctl(['member', 'list']);
    expect(table.stdout).toContain(st.members[0]!.idHex);
    expect(st.members[0]!.name).toBe('drover-test');
    expect(st.members[0]!.clientUrls).toEqual([etcd.endpoint]);
    expect(st.dbSizeBytes).toBeGreaterThan(0);
    expect(st.raftIndex).toBeGreaterThan(0);
    expect(st.raftIndex).toBeLessThanOrEqual(ref.raftIndex); // etcdctl asked later
    expect(st.alarms).toEqual([]);
    expect(st.revision).toBeGreaterThanOrEqual(1);
  });

  it('opens several sessions at once, directly and through a tunnel forward, and refuses a dead endpoint fast', async () => {
    const registry = new EtcdSessionRegistry({
      clock: systemClock,
      forwards: {
        resolveForward: (tunnelId, forwardId) => {
          const profile = {
            id: tunnelId,
            name: 'edgegw',
            forwards: [{ id: forwardId, kind: 'local', bindAddress: '127.0.0.1', bindPort: etcd.clientPort, destHost: '100.69.106.78', destPort: 2379 }],
          } as unknown as TunnelProfile;
          const status = { state: 'up', forwards: [{ id: forwardId, label: 'etcd', state: 'listening', boundPort: etcd.clientPort }] } as unknown as TunnelStatus;
          return forwardAddress(profile, status, forwardId);
        },
      },
    });
    try {
      const a = await registry.open({ id: 'a', name: 'direct', target: { kind: 'direct', endpoints: [`127.0.0.1:${etcd.clientPort}`] } });
      const b = await registry.open({ id: 'b', name: 'via tunnel', target: { kind: 'tunnel', tunnelId: 'edgegw', forwardId: 'etcd' } });
      expect(b.endpoints).toEqual([`http://127.0.0.1:${etcd.clientPort}`]);
      const [sa, sb] = await Promise.all([a.status(), b.status()]);
      expect(sa.clusterId).toBe(sb.clusterId);
      expect(registry.list()).toHaveLength(2);
      expect(registry.close('a')).toBe(true);
      expect(a.isDisposed).toBe(true);
      await expect(a.status()).rejects.toMatchObject({ code: 'UNAVAILABLE' });

      const [deadPort] = await getFreePorts(1);
      const t0 = performance.now();
      await expect(registry.open({ id: 'dead', name: 'nothing there', target: { kind: 'direct', endpoints: [`127.0.0.1:${deadPort}`] }, dialTimeoutMs: 1500 })).rejects.toMatchObject({ code: expect.stringMatching(/UNAVAILABLE|TIMEOUT/) as unknown });
      expect(performance.now() - t0).toBeLessThan(3000);
    } finally {
      registry.dispose();
    }
  });

  it('refuses a tunnel forward that is not up, naming the tunnel', () => {
    const profile = { id: 't', name: 'edgegw01', forwards: [{ id: 'f', kind: 'local', bindAddress: '127.0.0.1', bindPort: 2379, destHost: 'x', destPort: 2379 }] } as unknown as TunnelProfile;
    const status = { state: 'backoff', forwards: [{ id: 'f', label: '127.0.0.1:2379 → x:2379', state: 'backoff' }] } as unknown as TunnelStatus;
    expect(() => forwardAddress(profile, status, 'f')).toThrow(/tunnel "edgegw01" is backoff/);
  });
});

describe('100,000 keys', () => {
  let allKeys: string[] = [];

  beforeAll(async () => {
    const t0 = performance.now();
    await loadBig();
    console.log(`[etcd-core] loaded ${BIG + 3} keys in ${Math.round(performance.now() - t0)} ms (txns of 128 puts, 4 in flight)`);
  });

  it('pages keys-only with continuation: fast first page, full walk close to etcdctl --keys-only', async () => {
    const first: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const page = await listKeys(session, { prefix: Buffer.from('/big/') }, { limit: 500 });
      first.push(performance.now() - t0);
      expect(page.entries).toHaveLength(500);
      expect(page.more).toBe(true);
      expect(page.entries[0]!.valueSize).toBeNull();
      expect(page.entries[0]!.keyDisplay).toBe('/big/README');
    }
    // Continuation by cursor: the second page starts right after the first, at the same revision.
    const p1 = await listKeys(session, { prefix: Buffer.from('/big/') }, { limit: 3 });
    const p2 = await listKeys(session, { prefix: Buffer.from('/big/') }, { limit: 3, cursor: p1.nextCursor });
    expect(p1.entries.map((e) => e.keyDisplay)).toEqual(['/big/README', '/big/dc0/rack00/w000', '/big/dc0/rack00/w001']);
    expect(p2.entries.map((e) => e.keyDisplay)).toEqual(['/big/dc0/rack00/w002', '/big/dc0/rack00/w003', '/big/dc0/rack00/w004']);
    expect(p2.revision).toBe(p1.revision);

    const walks: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const keys: string[] = [];
      let pages = 0;
      for await (const page of walkKeys(session, { prefix: Buffer.from('/big/') })) {
        pages++;
        for (const kv of page.kvs) keys.push(kv.key.toString());
      }
      walks.push(performance.now() - t0);
      allKeys = keys;
      expect(pages).toBeGreaterThan(3);
    }
    const ctl: number[] = [];
    let ctlKeys: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await etcdctl(['get', '/big/', '--prefix', '--keys-only']);
      expect(r.code).toBe(0);
      ctl.push(r.ms);
      ctlKeys = r.stdout.split('\n').filter((l) => l !== '');
    }
    const ctlStart = median(await Promise.all([0, 1, 2].map(async () => (await etcdctl(['version'])).ms)));
    expect(allKeys).toHaveLength(BIG + 3);
    expect(allKeys).toEqual(ctlKeys);
    const f = median(first);
    const w = median(walks);
    const c = median(ctl);
    console.log(
      `[etcd-core] 100,003 keys: first page (500 keys) ${f.toFixed(1)} ms; full keys-only walk ${w.toFixed(0)} ms; ` +
        `etcdctl get --prefix --keys-only ${c.toFixed(0)} ms wall (process start alone ${ctlStart.toFixed(0)} ms) — ratio ${(w / c).toFixed(2)}x (medians of 3)`,
    );
    expect(f).toBeLessThan(500); // the 100 ms target is for the benchmark on a quiet machine
    expect(w).toBeLessThan(c * 4);
  });

  it('builds the tree of a big prefix level by level without reading the subtrees', async () => {
    const expectChildren = (parent: string) => {
      const seen = new Map<string, boolean>();
      for (const k of allKeys) {
        if (!k.startsWith(parent)) continue;
        const rest = k.slice(parent.length);
        const i = rest.indexOf('/');
        const name = i < 0 ? rest : `${rest.slice(0, i)}/`;
        seen.set(name, i < 0);
      }
      return [...seen.keys()];
    };
    const nodesOf = async (parent: string, limit = 1000) => {
      const stats: TreeStats = { requests: 0, keysRead: 0 };
      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await listChildren(session, Buffer.from(parent), { limit, cursor }, stats);
        for (const n of page.nodes) names.push(n.isLeaf ? n.segment : `${n.segment}/`);
        cursor = page.nextCursor;
      } while (cursor);
      return { names, stats };
    };

    const t0 = performance.now();
    const top = await nodesOf('/big/');
    const topMs = performance.now() - t0;
    expect(top.names).toEqual(expectChildren('/big/'));
    expect(top.names).toEqual(['README', 'dc0/', 'dc1', 'dc1-old/', 'dc1/', 'dc2/', 'dc3/', 'dc4/', 'dc5/', 'dc6/', 'dc7/', 'dc8/', 'dc9/']);
    // One jump per directory, not a read of 100,000 keys.
    expect(top.stats.keysRead).toBeLessThan(200);

    const t1 = performance.now();
    const racks = await nodesOf('/big/dc3/');
    const racksMs = performance.now() - t1;
    expect(racks.names).toEqual(expectChildren('/big/dc3/'));
    expect(racks.names).toHaveLength(100);
    expect(racks.stats.keysRead).toBeLessThan(1000);

    const leaves = await nodesOf('/big/dc3/rack42/', 30);
    expect(leaves.names).toEqual(expectChildren('/big/dc3/rack42/'));
    expect(leaves.names).toHaveLength(100);

    const root = await nodesOf('');
    expect(root.names).toEqual(['/']);

    const counted = await listChildren(session, Buffer.from('/big/'), { withCounts: true });
    const byName = Object.fromEntries(counted.nodes.map((n) => [n.isLeaf ? n.segment : `${n.segment}/`, n.childCount]));
    expect(byName['dc0/']).toBe(10_000);
    expect(byName['dc1/']).toBe(10_000);
    expect(byName['dc1-old/']).toBe(1);
    expect(byName['README']).toBeNull();
    console.log(
      `[etcd-core] tree: /big/ (13 children over 100,003 keys) in ${topMs.toFixed(0)} ms, ${top.stats.requests} requests, ${top.stats.keysRead} keys read; ` +
        `/big/dc3/ (100 dirs) in ${racksMs.toFixed(0)} ms, ${racks.stats.requests} requests`,
    );
  });

  it('counts a prefix without reading it', async () => {
    expect((await countKeys(session, { prefix: Buffer.from('/big/dc7/') })).count).toBe(10_000);
  });

  it('reads pages through the fast decoder (not the etcd3 fallback), with the same results as etcd3', async () => {
    const req = { key: Buffer.from('/big/dc4/'), range_end: Buffer.from('/big/dc40'), keys_only: false, limit: 50 };
    const fast = await fastRange(session, req);
    expect(fast).toBeDefined();
    const slow = await session.client.kv.range(req);
    expect(fast!.count).toBe(Number(slow.count));
    expect(fast!.more).toBe(slow.more);
    expect(fast!.kvs.map((kv) => [kv.key.toString(), kv.value.toString(), kv.modRevision, kv.version, kv.lease])).toEqual(
      slow.kvs.map((kv) => [kv.key.toString(), kv.value.toString(), Number(kv.mod_revision), Number(kv.version), kv.lease]),
    );
  });
});

describe('values', () => {
  it('pages values by bytes, not only by count', async () => {
    const sizes = Array.from({ length: 60 }, (_, i) => (i % 10 === 9 ? 300_000 : 1_000 + i * 997));
    const want = new Map<string, Buffer>();
    for (let i = 0; i < sizes.length; i++) {
      const key = `/vals/${String(i).padStart(3, '0')}`;
      const value = randomBytes(sizes[i]!);
      want.set(key, value);
      await session.client.kv.put({ key: Buffer.from(key), value });
    }
    const budget = 512 * 1024;
    const got = new Map<string, Buffer>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await listValues(session, { prefix: Buffer.from('/vals/') }, { cursor, budgetBytes: budget, maxCount: 1000 });
      pages++;
      const bytes = page.entries.reduce((n, e) => n + e.value.sizeBytes, 0);
      expect(bytes).toBe(page.bytes);
      if (page.entries.length > 1) expect(bytes).toBeLessThanOrEqual(budget);
      for (const e of page.entries) {
        expect(e.entry.valueSize).toBe(e.value.sizeBytes);
        expect(e.value.kind).toBe('binary');
        got.set(e.entry.keyDisplay, fromBase64(e.value.base64)!);
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect([...got.keys()]).toEqual([...want.keys()]);
    for (const [k, v] of want) expect(got.get(k)!.equals(v), k).toBe(true);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(sizes.reduce((a, b) => a + b, 0) / budget));
  });

  it('round-trips keys and values that are not UTF-8, byte for byte (checked with etcdctl -w json)', async () => {
    const key = Buffer.concat([Buffer.from('/bin/'), Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x2f, 0xc0, 0xaf])]);
    const value = Buffer.from([0x00, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xef, 0xbb, 0xbf, 0x0a]);
    const created = await createKey(session, key, value);
    expect(created.ok).toBe(true);
    const ctl = await etcdctlGetJson('/bin/');
    expect(ctl).toHaveLength(1);
    expect(ctl[0]!.key.equals(key)).toBe(true);
    expect(ctl[0]!.value.equals(value)).toBe(true);

    const page = await listValues(session, { prefix: Buffer.from('/bin/') });
    const e = page.entries[0]!;
    expect(e.entry.keyUtf8).toBe(false);
    expect(e.entry.keyDisplay).toBe('/bin/\\xff\\xfe\u0000\\x80/\\xc0\\xaf');
    expect(fromBase64(e.entry.key)!.equals(key)).toBe(true);
    expect(fromBase64(e.value.base64)!.equals(value)).toBe(true);
    expect(e.value.kind).toBe('binary');

    // A value written by etcdctl from stdin (raw bytes), read back by Drover, edited with CAS and read by etcdctl again.
    const raw = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]);
    expect((await etcdctl(['put', '/bin/from-etcdctl'], { input: raw })).code).toBe(0);
    const kv = await readKey(session, Buffer.from('/bin/from-etcdctl'));
    expect(kv!.value.equals(raw)).toBe(true);
    const edited = Buffer.from([0xfe, 0xed, 0x00]);
    expect((await updateKey(session, kv!.key, edited, kv!.modRevision)).ok).toBe(true);
    const after = await etcdctlGetJson('/bin/from-etcdctl');
    expect(after[0]!.value.equals(edited)).toBe(true);

    // The tree shows the binary key under /bin/ and its segment escaped.
    const tree = await listChildren(session, Buffer.from('/bin/'));
    expect(tree.nodes.map((n) => [n.segment, n.isLeaf])).toEqual([
      ['from-etcdctl', true],
      ['\\xff\\xfe\u0000\\x80', false],
    ]);
    expect(fromBase64(tree.nodes[1]!.prefix)!.equals(Buffer.concat([Buffer.from('/bin/'), Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x2f])]))).toBe(true);
  });
});

describe('safe edits', () => {
  it('two editors making 1,000 conflicting edits lose none', async () => {
    const key = Buffer.from('/cas/counter');
    const init = await createKey(session, key, Buffer.from(JSON.stringify({ editor: 'init', seq: 0, basedOn: 0 })));
    expect(init.ok).toBe(true);
    const second = await EtcdSession.open({ id: 'second', name: 'second editor', target: { kind: 'direct', endpoints: [etcd.endpoint] } }, { clock: systemClock });
    const TOTAL = 1000;
    let done = 0;
    const wins: { editor: string; seq: number; revision: number; basedOn: number }[] = [];
    let conflicts = 0;
    const editor = async (name: string, s: EtcdSession) => {
      let seen = (await readKey(s, key))!;
      let seq = 0;
      while (done < TOTAL) {
        const basedOn = seen.modRevision;
        const value = Buffer.from(JSON.stringify({ editor: name, seq: seq + 1, basedOn }));
        const r = await updateKey(s, key, value, basedOn, { requireJson: true });
        if (r.ok) {
          seq++;
          done++;
          wins.push({ editor: name, seq, revision: r.revision, basedOn });
          seen = { ...seen, value, modRevision: r.revision };
        } else {
          conflicts++;
          // The user sees the newer value and bases the next attempt on it.
          expect(r.conflict.current).not.toBeNull();
          expect(r.conflict.current!.modRevision).toBeGreaterThan(basedOn);
          expect(fromBase64(r.conflict.proposed!)!.equals(value)).toBe(true);
          const cur = r.conflict.current!;
          seen = { ...seen, value: fromBase64(cur.value)!, modRevision: cur.modRevision };
        }
      }
    };
    try {
      await Promise.all([editor('A', session), editor('B', second)]);
    } finally {
      second.dispose();
    }
    expect(wins.length).toBeGreaterThanOrEqual(TOTAL);
    expect(conflicts).toBeGreaterThan(0);
    console.log(`[etcd-core] CAS: ${wins.length} successful edits by two editors, ${conflicts} conflicts seen and resolved`);

    // etcd's own history: every version is based on exactly the version before it, and every win is there.
    const versions: EtcdKv[] = [];
    let from: number | undefined;
    for (;;) {
      const page = await readHistory(session, key, { fromRevision: from, limit: 200 });
      versions.push(...page.entries);
      if (page.next === null) {
        expect(page.end).toBe('created');
        break;
      }
      from = page.next;
    }
    versions.reverse(); // oldest first
    expect(versions).toHaveLength(wins.length + 1);
    for (let i = 1; i < versions.length; i++) {
      const doc = JSON.parse(fromBase64(versions[i]!.value)!.toString()) as { basedOn: number };
      expect(doc.basedOn, `version ${i}`).toBe(versions[i - 1]!.modRevision);
      expect(versions[i]!.version).toBe(i + 1);
    }
    const inHistory = new Set(versions.slice(1).map((v) => `${v.modRevision}:${fromBase64(v.value)!.toString()}`));
    for (const w of wins) inHistory.delete(`${w.revision}:${JSON.stringify({ editor: w.editor, seq: w.seq, basedOn: w.basedOn })}`);
    expect(inHistory.size).toBe(0);
    const finalKv = (await readKey(session, key))!;
    expect(finalKv.modRevision).toBe(Math.max(...wins.map((w) => w.revision)));
  });

  it('create fails if the key exists; updates and deletes of a stale revision are conflicts with the current value', async () => {
    const key = Buffer.from('/cas/create-me');
    const a = await createKey(session, key, Buffer.from('first'));
    expect(a.ok).toBe(true);
    const b = await createKey(session, key, Buffer.from('second'));
    expect(b.ok).toBe(false);
    if (!b.ok) {
      expect(fromBase64(b.conflict.current!.value)!.toString()).toBe('first');
      expect(b.conflict.expectedModRevision).toBe(0);
    }
    const rev = a.ok ? a.revision : 0;
    expect((await updateKey(session, key, Buffer.from('v2'), rev)).ok).toBe(true);
    const stale = await updateKey(session, key, Buffer.from('v3'), rev);
    expect(stale.ok).toBe(false);
    if (!stale.ok) expect(fromBase64(stale.conflict.current!.value)!.toString()).toBe('v2');
    const staleDelete = await deleteKey(session, key, rev);
    expect(staleDelete.ok).toBe(false);
    const cur = (await readKey(session, key))!;
    expect((await deleteKey(session, key, cur.modRevision)).ok).toBe(true);
    const gone = await updateKey(session, key, Buffer.from('v4'), cur.modRevision);
    expect(gone.ok === false && gone.conflict.current).toBeNull();
    expect(await readKey(session, key)).toBeNull();
  });

  it('keeps a key on its lease when updating, and lists leases with TTL and attached keys', async () => {
    const grant = await session.client.leaseClient.leaseGrant({ TTL: 120 });
    const key = Buffer.from('/lease/worker-1/heartbeat');
    expect((await createKey(session, key, Buffer.from('alive'), { lease: grant.ID })).ok).toBe(true);
    const kv = (await readKey(session, key))!;
    expect(kv.lease).toBe(grant.ID);
    expect((await updateKey(session, key, Buffer.from('still alive'), kv.modRevision)).ok).toBe(true);
    expect((await readKey(session, key))!.lease).toBe(grant.ID);
    const info = await leaseInfo(session, grant.ID);
    expect(info.ttlSec).toBeGreaterThan(100);
    expect(info.grantedTtlSec).toBe(120);
    expect(info.keys.map((k) => k.keyDisplay)).toEqual(['/lease/worker-1/heartbeat']);
    const all = await listLeases(session);
    expect(all.leases.map((l) => l.id)).toContain(grant.ID);
    const ctl = await etcdctl(['lease', 'list']);
    expect(ctl.stdout).toContain(info.idHex);
    await session.client.leaseClient.leaseRevoke({ ID: grant.ID });
    expect(await readKey(session, key)).toBeNull();
  });

  it('refuses malformed JSON with the parse error when a JSON value is required', async () => {
    const key = Buffer.from('/manager/server/mode');
    const created = await createKey(session, key, Buffer.from('{"mode":"tophc","hasconvert":true}'), { requireJson: true });
    expect(created.ok).toBe(true);
    const kv = (await readKey(session, key))!;
    const err = await updateKey(session, key, Buffer.from('{"mode":"tophc",}'), kv.modRevision, { requireJson: true }).catch((e: unknown) => e);
    expect(isAppError(err, 'INVALID_INPUT')).toBe(true);
    expect((err as Error).message).toMatch(/expected a member name in double quotes at line 1, column 17/);
    expect(await createKey(session, Buffer.from('/manager/other'), Buffer.from('not json'), { requireJson: true }).catch((e: unknown) => (e as Error).message)).toMatch(/line 1, column 1/);
    expect((await readKey(session, key))!.value.toString()).toBe('{"mode":"tophc","hasconvert":true}');
  });
});

describe('delete prefix, backup and restore', () => {
  const keys = new Map<string, Buffer>();

  beforeAll(async () => {
    for (let i = 0; i < 250; i++) keys.set(`/del/app/${String(i).padStart(3, '0')}`, Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(i % 50) })));
    keys.set('/del/bin', Buffer.from([0xff, 0x00, 0xfe]));
    for (const [k, v] of keys) await session.client.kv.put({ key: Buffer.from(k), value: v });
    await session.client.kv.put({ key: Buffer.from([...Buffer.from('/del/'), 0xc0, 0xff]), value: Buffer.from('binary key') });
    keys.set(Buffer.from([...Buffer.from('/del/'), 0xc0, 0xff]).toString('latin1'), Buffer.from('binary key'));
  });

  it('shows the count, asks for the prefix, writes the backup first, deletes, and restore brings every key back', async () => {
    const prefix = Buffer.from('/del/');
    const plan = await planPrefixDelete(session, prefix);
    expect(plan.count).toBe(252);
    expect(plan.confirmationText).toBe('/del/');
    expect(confirmationText(Buffer.alloc(0))).toBe('DELETE ALL KEYS');

    const backupFile = path.join(tmp.path, 'del-backup.json');
    await expect(deletePrefix(session, { prefix, confirmation: '/del', backupFile, nowMs: Date.now() })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect((await countKeys(session, { prefix })).count).toBe(252);
    await expect(fs.access(backupFile)).rejects.toThrow();

    const before = await etcdctlGetJson('/del/');
    const result = await deletePrefix(session, { prefix, confirmation: '/del/', backupFile, nowMs: Date.now() });
    expect(result.deleted).toBe(252);
    expect(result.backupCount).toBe(252);
    expect((await countKeys(session, { prefix })).count).toBe(0);
    expect(await etcdctlGetJson('/del/')).toEqual([]);

    const backup = await readBackupFile(backupFile);
    expect(backup.count).toBe(252);
    expect(backup.prefix).toBe('/del/');
    expect(backup.revision).toBe(result.backupRevision);
    const stat = await fs.stat(backupFile);
    expect(stat.mode & 0o777).toBe(0o600);
    const text = await fs.readFile(backupFile, 'utf8');
    expect(JSON.parse(text)).toEqual(JSON.parse(serializeBackup(backup)));
    expect(text.split('\n').filter((l) => l.startsWith('    {'))).toHaveLength(252); // one entry per line
    expect(text).toContain('"key":"/del/app/007"');
    expect(text).toContain('"valueBase64":"/wD+"'); // /del/bin is not UTF-8
    expect(text).toContain('"keyBase64":"L2RlbC/A/w=="');

    // Someone recreates one key with another value before the restore: it is reported, not clobbered.
    await session.client.kv.put({ key: Buffer.from('/del/app/042'), value: Buffer.from('newer') });
    const restored = await restoreBackup(session, backup);
    expect(restored.restored).toBe(251);
    expect(restored.unchanged).toBe(0);
    expect(restored.conflictCount).toBe(1);
    expect(restored.conflicts[0]!.keyDisplay).toBe('/del/app/042');
    expect(fromBase64(restored.conflicts[0]!.current!.value)!.toString()).toBe('newer');
    expect(fromBase64(restored.conflicts[0]!.proposed!)!.equals(keys.get('/del/app/042')!)).toBe(true);

    const after = await etcdctlGetJson('/del/');
    expect(after.map((kv) => kv.key.toString('latin1'))).toEqual(before.map((kv) => kv.key.toString('latin1')));
    for (let i = 0; i < after.length; i++) {
      const k = after[i]!.key.toString('latin1');
      if (k === '/del/app/042') expect(after[i]!.value.toString()).toBe('newer');
      else expect(after[i]!.value.equals(before[i]!.value), k).toBe(true);
    }
    // A second restore changes nothing.
    const again = await restoreBackup(session, backup);
    expect(again).toMatchObject({ restored: 0, unchanged: 251, conflictCount: 1 });
  });

  it('deletes nothing when a key under the prefix changed after the backup', async () => {
    const prefix = Buffer.from('/del/');
    const backupFile = path.join(tmp.path, 'del-backup-2.json');
    const backup = await backupBeforeDelete(session, { prefix, confirmation: '/del/', backupFile, nowMs: Date.now() });
    await session.client.kv.put({ key: Buffer.from('/del/app/100'), value: Buffer.from('changed meanwhile') });
    const err = await deleteBackedUpPrefix(session, backup, backupFile).catch((e: unknown) => e);
    expect(isAppError(err, 'CONFLICT')).toBe(true);
    expect((err as Error).message).toContain('/del/app/100');
    expect((await countKeys(session, { prefix })).count).toBe(252);
    // A key created under the prefix also blocks it.
    const backup2 = await backupBeforeDelete(session, { prefix, confirmation: '/del/', backupFile, nowMs: Date.now() });
    await session.client.kv.put({ key: Buffer.from('/del/zzz-new'), value: Buffer.from('new') });
    await expect(deleteBackedUpPrefix(session, backup2, backupFile)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await countKeys(session, { prefix })).count).toBe(253);
  });

  it('exports a prefix and imports it elsewhere in the same format', async () => {
    const file = path.join(tmp.path, 'export.json');
    const ex = await exportPrefix(session, Buffer.from('/del/app/'), file, Date.now());
    expect(ex.count).toBe(250);
    const im = await importFile(session, file, { rebase: { to: Buffer.from('/copy/app/') } });
    expect(im.restored).toBe(250);
    const src = await etcdctlGetJson('/del/app/');
    const dst = await etcdctlGetJson('/copy/app/');
    expect(dst.map((kv) => kv.key.toString().replace('/copy/', '/del/'))).toEqual(src.map((kv) => kv.key.toString()));
    expect(dst.every((kv, i) => kv.value.equals(src[i]!.value))).toBe(true);
    const again = await importFile(session, file, { rebase: { to: Buffer.from('/copy/app/') } });
    expect(again).toMatchObject({ restored: 0, unchanged: 250, conflictCount: 0 });
    await fs.writeFile(path.join(tmp.path, 'bad.json'), '{"format":"drover-etcd-backup","formatVersion":1}');
    await expect(importFile(session, path.join(tmp.path, 'bad.json'))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('history', () => {
  it('reads earlier revisions, restores one with CAS, and stops at the compaction point', async () => {
    const key = Buffer.from('/hist/dc-config');
    const revs: number[] = [];
    for (const v of ['v1', 'v2', 'v3', 'v4']) revs.push(Number((await session.client.kv.put({ key, value: Buffer.from(v) })).header.revision));
    const all = await readHistory(session, key, { limit: 10 });
    expect(all.entries.map((e) => fromBase64(e.value)!.toString())).toEqual(['v4', 'v3', 'v2', 'v1']);
    expect(all.entries.map((e) => e.modRevision)).toEqual([...revs].reverse());
    expect(all.end).toBe('created');
    const p1 = await readHistory(session, key, { limit: 2 });
    expect(p1.next).toBe(revs[2]! - 1);
    const p2 = await readHistory(session, key, { limit: 2, fromRevision: p1.next! });
    expect(p2.entries.map((e) => fromBase64(e.value)!.toString())).toEqual(['v2', 'v1']);

    const stale = await restoreRevision(session, key, revs[0]!, revs[2]!);
    expect(stale.ok).toBe(false);
    const ok = await restoreRevision(session, key, revs[0]!, revs[3]!);
    expect(ok.ok).toBe(true);
    expect((await readKey(session, key))!.value.toString()).toBe('v1');

    await session.client.kv.compact({ revision: revs[2]!, physical: true });
    const after = await readHistory(session, key, { limit: 10 });
    expect(after.entries.map((e) => fromBase64(e.value)!.toString())).toEqual(['v1', 'v4', 'v3']);
    expect(after.end).toBe('compacted');
    await expect(restoreRevision(session, key, revs[0]!, ok.ok ? ok.revision : 0)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('watch resume point compacted', () => {
  it('detects that etcd compacted past the resume point and resyncs from a fresh snapshot', async () => {
    const proxy = await startFaultProxy({ targetPort: etcd.clientPort });
    const viaProxy = await EtcdSession.open({ id: 'proxy', name: 'through the fault proxy', target: { kind: 'direct', endpoints: [`127.0.0.1:${proxy.port}`] } }, { clock: systemClock });
    const start = Number((await session.client.kv.put({ key: Buffer.from('/cw/a'), value: Buffer.from('1') })).header.revision);
    const watch = new ResumableWatch(sessionWatchSource(viaProxy), { range: { prefix: Buffer.from('/cw/') }, startRevision: start, clock: systemClock, heartbeatMs: 0 });
    const batches: WatchBatch[] = [];
    const states: string[] = [];
    watch.onDidReceive((b) => batches.push(b));
    watch.onDidChangeState((s) => states.push(s.state));
    const resync = new Promise<{ compactRevision: number; nextRevision: number }>((resolve) => watch.onDidRequireResync(resolve));
    try {
      watch.start();
      await waitFor(() => batches.length === 1);
      expect(batches[0]!.revision).toBe(start);

      await proxy.setMode('refuse');
      await waitFor(() => watch.state.state === 'reconnecting');
      const missed = Number((await session.client.kv.put({ key: Buffer.from('/cw/b'), value: Buffer.from('2') })).header.revision);
      const top = Number((await session.client.kv.put({ key: Buffer.from('/other'), value: Buffer.from('x') })).header.revision);
      await session.client.kv.compact({ revision: top, physical: true });
      await proxy.setMode('pass');

      const info = await resync;
      expect(info).toEqual({ compactRevision: top, nextRevision: start + 1 });
      expect(watch.state.state).toBe('resync-needed');
      expect(batches.map((b) => b.revision)).toEqual([start]); // /cw/b at `missed` never arrived as an event
      expect(missed).toBeLessThan(top);

      // The owner reloads the prefix, then watches from the snapshot's revision + 1.
      const snapshot = await listValues(session, { prefix: Buffer.from('/cw/') });
      expect(snapshot.entries.map((e) => e.entry.keyDisplay)).toEqual(['/cw/a', '/cw/b']);
      watch.restart(snapshot.revision + 1);
      await waitFor(() => watch.state.state === 'live');
      const later = Number((await session.client.kv.put({ key: Buffer.from('/cw/c'), value: Buffer.from('3') })).header.revision);
      await waitFor(() => batches.length === 2);
      expect(batches[1]!.revision).toBe(later);
      expect(states).toContain('resync-needed');
    } finally {
      watch.dispose();
      viaProxy.dispose();
      await proxy.close();
    }
    expect(watch.state.state).toBe('stopped');
  });
});

describe('farm keys', () => {
  it('lists the worker env table by MAC and the datacenter configs by UUID, with validation', async () => {
    const workers = parseKeyPattern('/farm/workers/{mac}/env', 'mac');
    const dcs = parseKeyPattern('/farm/dc/{uuid}/config', 'uuid');
    const uuid = '22b18ef0-7118-4549-9dcf-cc26b6887999';
    await session.client.kv.put({ key: Buffer.from(`/farm/dc/${uuid}/config`), value: Buffer.from('POOL=stratum+tcp://pool.alt-chain.io:3333\nINFLUX_URL=http://10.40.23.250:8086\n') });
    await session.client.kv.put({ key: workerEnvKey(workers, '52-54-00-A1-9C-AE'), value: Buffer.from('WORKER_NAME=rig-01\nPOOL=stratum+tcp://backup:3333\n') });
    await session.client.kv.put({ key: Buffer.from('/farm/workers/52-54-00-a1-9c-ae/env'), value: Buffer.from('WORKER_NAME=dup\n') });
    await session.client.kv.put({ key: Buffer.from('/farm/workers/not-a-mac/env'), value: Buffer.from('X=1\n') });
    await session.client.kv.put({ key: Buffer.from('/farm/workers/52:54:00:00:00:02/env'), value: Buffer.from('GOOD=1\nBAD LINE\nCMD=$(reboot)\n') });
    await session.client.kv.put({ key: Buffer.from('/farm/workers/52:54:00:00:00:02/status'), value: Buffer.from('online') });

    const table = await listEnvTable(session, workers);
    expect(table.skipped).toBe(1); // the /status key
    const rows = Object.fromEntries(table.rows.map((r) => [r.id, r]));
    expect(Object.keys(rows)).toEqual(['52-54-00-a1-9c-ae', '52:54:00:00:00:02', '52:54:00:a1:9c:ae', 'not-a-mac']);
    expect(rows['52:54:00:a1:9c:ae']!.normalized).toBe('52:54:00:a1:9c:ae');
    expect(rows['52:54:00:a1:9c:ae']!.env).toEqual([
      { key: 'WORKER_NAME', value: 'rig-01' },
      { key: 'POOL', value: 'stratum+tcp://backup:3333' },
    ]);
    expect(rows['52:54:00:a1:9c:ae']!.problems[0]!.message).toMatch(/spelled differently/);
    expect(rows['not-a-mac']!.normalized).toBeNull();
    expect(rows['not-a-mac']!.problems[0]!.message).toMatch(/not a MAC/);
    expect(rows['52:54:00:00:00:02']!.problems.map((p) => p.line)).toEqual([2, 3]);

    const dcTable = await listEnvTable(session, dcs);
    expect(dcTable.rows).toHaveLength(1);
    expect(dcTable.rows[0]!.normalized).toBe(uuid);

    const merged = await mergedWorkerEnv(session, { datacenter: dcs, worker: workers }, { uuid, mac: '52:54:00:A1:9C:AE' });
    expect(merged.found).toEqual({ datacenter: true, worker: true });
    expect(merged.env).toEqual([
      { key: 'POOL', value: 'stratum+tcp://backup:3333' },
      { key: 'INFLUX_URL', value: 'http://10.40.23.250:8086' },
      { key: 'WORKER_NAME', value: 'rig-01' },
    ]);
    expect(validateEnvEdit('mac', '52:54:00:zz:00:01', 'A=1')).toMatchObject([{ line: 0 }]);
    expect(validateEnvEdit('mac', '5254.00a1.9cae', "A='quoted value'")).toEqual([]);
    expect(() => parseKeyPattern('/farm/workers/x{mac}/env', 'mac')).toThrow(/whole path segment/);
  });
});

describe('auth and TLS', () => {
  it('logs in with a password from the secret store and refuses a wrong one', async () => {
    const authEtcd = await startEtcd({ name: 'auth' });
    try {
      const ep = { endpoint: authEtcd.endpoint };
      expect((await etcdctl(['user', 'add', 'root:rootpw'], ep)).code).toBe(0);
      expect((await etcdctl(['user', 'add', 'drover:s3cret pw'], ep)).code).toBe(0);
      expect((await etcdctl(['role', 'add', 'farm'], ep)).code).toBe(0);
      expect((await etcdctl(['role', 'grant-permission', 'farm', 'readwrite', '/farm/', '--prefix'], ep)).code).toBe(0);
      expect((await etcdctl(['user', 'grant-role', 'drover', 'farm'], ep)).code).toBe(0);
      const enable = await etcdctl(['auth', 'enable'], ep);
      expect(enable.code, enable.stderr).toBe(0);

      const secrets = new MemorySecretStore();
      await secrets.set('etcd/lab/password', 's3cret pw');
      const config = { id: 'auth', name: 'lab', target: { kind: 'direct' as const, endpoints: [authEtcd.endpoint] }, auth: { username: 'drover', passwordSecretId: 'etcd/lab/password' } };
      const s = await EtcdSession.open(config, { clock: systemClock, secrets });
      try {
        expect((await createKey(s, Buffer.from('/farm/x'), Buffer.from('1'))).ok).toBe(true);
        await expect(createKey(s, Buffer.from('/elsewhere'), Buffer.from('1'))).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      } finally {
        s.dispose();
      }
      await secrets.set('etcd/lab/password', 'wrong');
      await expect(EtcdSession.open(config, { clock: systemClock, secrets })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      await expect(EtcdSession.open({ ...config, auth: { username: 'drover', passwordSecretId: 'etcd/missing' } }, { clock: systemClock, secrets })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    } finally {
      await authEtcd.stop();
    }
  });

  it('connects with TLS: a CA, a client certificate (client-cert-auth) and a server name for a tunnel address', async () => {
    const dir = await makeTempDir('drover-etcd-tls-');
    let proc: ManagedProcess | undefined;
    try {
      await makeCerts(dir.path);
      const [clientPort, peerPort] = (await getFreePorts(2)) as [number, number];
      proc = await startProcess({
        name: 'etcd-tls',
        command: '/usr/bin/etcd',
        args: [
          '--name', 'tls', '--data-dir', path.join(dir.path, 'data'),
          '--listen-client-urls', `https://127.0.0.1:${clientPort}`, '--advertise-client-urls', `https://127.0.0.1:${clientPort}`,
          '--listen-peer-urls', `http://127.0.0.1:${peerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
          '--initial-cluster', `tls=http://127.0.0.1:${peerPort}`, '--initial-cluster-state', 'new',
          '--cert-file', path.join(dir.path, 'server.crt'), '--key-file', path.join(dir.path, 'server.key'),
          '--trusted-ca-file', path.join(dir.path, 'ca.crt'), '--client-cert-auth',
        ],
        env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD'))),
        ready: tcpProbe('127.0.0.1', clientPort),
        readyTimeoutMs: 20_000,
      });
      const tls = { caFile: path.join(dir.path, 'ca.crt'), certFile: path.join(dir.path, 'client.crt'), keyFile: path.join(dir.path, 'client.key') };
      const base = { id: 'tls', name: 'tls etcd', target: { kind: 'direct' as const, endpoints: [`127.0.0.1:${clientPort}`] } };
      // The certificate names etcd.farm.internal only: dialling 127.0.0.1 needs the server name.
      const s = await openWhenReady(() => EtcdSession.open({ ...base, tls: { ...tls, serverName: 'etcd.farm.internal' } }, { clock: systemClock }));
      try {
        expect(s.endpoints).toEqual([`https://127.0.0.1:${clientPort}`]);
        expect((await s.status()).version).toMatch(/^3\./);
        expect((await createKey(s, Buffer.from('/tls/k'), Buffer.from('v'))).ok).toBe(true);
      } finally {
        s.dispose();
      }
      // Password auth on top, through the same server name override (etcd3's token request is routed over the session's channel).
      const ctl = ['--cacert', tls.caFile, '--cert', tls.certFile, '--key', tls.keyFile, '--insecure-skip-tls-verify'];
      for (const args of [['user', 'add', 'root:rootpw'], ['user', 'add', 'drover:tls pw'], ['role', 'add', 'farm'], ['role', 'grant-permission', 'farm', 'readwrite', '/farm/', '--prefix'], ['user', 'grant-role', 'drover', 'farm'], ['auth', 'enable']]) {
        const r = await etcdctl(args, { extra: ctl, endpoint: `https://127.0.0.1:${clientPort}` });
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      }
      const secrets = new MemorySecretStore();
      await secrets.set('etcd/tls/pw', 'tls pw');
      const authed = { ...base, tls: { ...tls, serverName: 'etcd.farm.internal' }, auth: { username: 'drover', passwordSecretId: 'etcd/tls/pw' } };
      const s2 = await EtcdSession.open(authed, { clock: systemClock, secrets });
      try {
        expect((await createKey(s2, Buffer.from('/farm/tls'), Buffer.from('v'))).ok).toBe(true);
        await expect(createKey(s2, Buffer.from('/tls/denied'), Buffer.from('v'))).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      } finally {
        s2.dispose();
      }
      await secrets.set('etcd/tls/pw', 'wrong');
      await expect(EtcdSession.open(authed, { clock: systemClock, secrets })).rejects.toMatchObject({ code: 'AUTH_FAILED' });

      await expect(EtcdSession.open({ ...base, tls, dialTimeoutMs: 2000 }, { clock: systemClock })).rejects.toMatchObject({ code: expect.stringMatching(/UNAVAILABLE|TIMEOUT/) as unknown });
      await expect(EtcdSession.open({ ...base, tls: { caFile: tls.caFile, serverName: 'etcd.farm.internal' }, dialTimeoutMs: 2000 }, { clock: systemClock })).rejects.toMatchObject({
        code: expect.stringMatching(/UNAVAILABLE|TIMEOUT/) as unknown,
      });
      await expect(EtcdSession.open({ ...base, tls: { ...tls, caFile: path.join(dir.path, 'nope.crt') } }, { clock: systemClock })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await proc?.stop();
      await dir.remove();
    }
  });
});

async function openWhenReady(open: () => Promise<EtcdSession>): Promise<EtcdSession> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await open();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: ${err}`))));
  });
}

/** A CA, a server certificate for etcd.farm.internal (not 127.0.0.1) and a client certificate. */
async function makeCerts(dir: string): Promise<void> {
  const o = (args: string[]) => run('/usr/bin/openssl', args, dir);
  await o(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=drover test CA']);
  await fs.writeFile(path.join(dir, 'server.ext'), 'subjectAltName=DNS:etcd.farm.internal\nextendedKeyUsage=serverAuth,clientAuth\n');
  await fs.writeFile(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, ext, cn] of [['server', 'server.ext', 'etcd.farm.internal'], ['client', 'client.ext', 'drover']] as const) {
    await o(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    await o(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', ext]);
  }
}

async function waitFor(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

