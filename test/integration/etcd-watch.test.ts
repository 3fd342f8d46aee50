import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../main/contract/clock';
import { EtcdSession } from '../../main/etcd/etcd-session';
import { ResumableWatch, sessionWatchSource, toWatchEvent, type WatchBatch } from '../../main/etcd/resumable-watch';
import { startEtcd, stopAll, type EtcdHandle } from '../harness';

/**
 * A watch on a prefix while a writer keeps writing and etcd is stopped, killed and restarted
 * several times. What the watch delivered is compared, event by event, with etcd's own history
 * as `etcdctl watch --rev` reads it afterwards: nothing missed, duplicated or reordered.
 */

let etcd: EtcdHandle;
let writer: EtcdSession;
let watcher: EtcdSession;
const children: ChildProcess[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  const open = (id: string) => EtcdSession.open({ id, name: id, target: { kind: 'direct', endpoints: [etcd.endpoint] }, requestTimeoutMs: 3_000 }, { clock: systemClock });
  writer = await open('writer');
  watcher = await open('watcher');
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  writer?.dispose();
  watcher?.dispose();
  await etcd?.stop();
  await stopAll();
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface Flat {
  revision: number;
  type: 'put' | 'delete';
  key: string;
  value: string;
  prev: string | null;
}

/** etcdctl watch --rev S --prefix --prev-kv -w json, until it has printed an event at revision >= last. */
function etcdctlHistory(prefix: string, fromRevision: number, lastRevision: number): Promise<Flat[]> {
  return new Promise((resolve, reject) => {
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCDCTL'))), ETCDCTL_API: '3' };
    const child = spawn('/usr/bin/etcdctl', [`--endpoints=${etcd.endpoint}`, 'watch', prefix, '--prefix', `--rev=${fromRevision}`, '--prev-kv', '-w', 'json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const out: Flat[] = [];
    let buf = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`etcdctl watch did not reach revision ${lastRevision}: ${err}`));
    }, 60_000);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const res = JSON.parse(line) as { Events?: { type?: number; kv: { key: string; value?: string; mod_revision: number }; prev_kv?: { value?: string } }[] };
        for (const ev of res.Events ?? []) {
          out.push({
            revision: ev.kv.mod_revision,
            type: ev.type === 1 ? 'delete' : 'put',
            key: ev.kv.key,
            value: ev.kv.value ?? '',
            prev: ev.prev_kv ? (ev.prev_kv.value ?? '') : null,
          });
        }
        if (out.length > 0 && out[out.length - 1]!.revision >= lastRevision) {
          clearTimeout(timer);
          child.kill('SIGTERM');
          resolve(out);
          return;
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (out.length === 0 || out[out.length - 1]!.revision < lastRevision) reject(new Error(`etcdctl watch exited (${code}) early: ${err}`));
    });
  });
}

describe('resumable watch across etcd restarts', () => {
  it('misses, duplicates and reorders nothing while etcd is killed and restarted several times', async () => {
    const start = Number((await writer.client.kv.put({ key: Buffer.from('/w/start'), value: Buffer.from('0') })).header.revision);
    const watch = new ResumableWatch(sessionWatchSource(watcher), {
      range: { prefix: Buffer.from('/w/') },
      startRevision: start,
      prevKv: true,
      clock: systemClock,
      backoff: { initialMs: 50, maxMs: 800 },
      heartbeatMs: 2_000,
      heartbeatTimeoutMs: 2_000,
    });
    const batches: WatchBatch[] = [];
    const states: string[] = [];
    let orderError: string | undefined;
    watch.onDidReceive((b) => {
      const prev = batches[batches.length - 1];
      if (prev && b.revision <= prev.revision) orderError ??= `revision ${b.revision} after ${prev.revision}`;
      if (b.events.some((e) => e.revision !== b.revision)) orderError ??= `mixed revisions in batch ${b.revision}`;
      batches.push(b);
    });
    watch.onDidChangeState((s) => states.push(s.state));
    watch.start();
    await waitFor(() => watch.state.state === 'live', 10_000, 'the watch to go live');

    // One revision of 3,000 deletes with 1 KiB previous values (~3 MiB): etcd sends it in fragments.
    const bulkOps = Array.from({ length: 3000 }, (_, i) => ({ request_put: { key: Buffer.from(`/w/bulk/${String(i).padStart(4, '0')}`), value: Buffer.alloc(1024, 97 + (i % 26)) } }));
    for (let i = 0; i < bulkOps.length; i += 100) await writer.client.kv.txn({ success: bulkOps.slice(i, i + 100) });
    await writer.client.kv.deleteRange({ key: Buffer.from('/w/bulk/'), range_end: Buffer.from('/w/bulk0') });

    let stop = false;
    let writes = 0;
    let failures = 0;
    const writeLoop = async () => {
      for (let i = 0; !stop; i++) {
        const k = (n: number) => Buffer.from(`/w/k${String(n).padStart(2, '0')}`);
        const r = (i * 7919) % 30;
        try {
          switch (i % 10) {
            case 6:
            case 7:
              await writer.client.kv.deleteRange({ key: k(r) });
              break;
            case 8:
              await writer.client.kv.txn({ success: [0, 1, 2].map((j) => ({ request_put: { key: k((r + j * 10) % 30), value: Buffer.from(`txn ${i}.${j}`) } })) });
              break;
            case 9:
              await writer.client.kv.put({ key: Buffer.from('/outside'), value: Buffer.from(String(i)) });
              break;
            default:
              await writer.client.kv.put({ key: k(r), value: Buffer.from(`put ${i}`) });
          }
          writes++;
        } catch {
          failures++;
          await sleep(25);
        }
        if (i % 5 === 0) await sleep(1);
      }
    };
    const loop = writeLoop();

    const outages: string[] = [];
    for (let cycle = 0; cycle < 6; cycle++) {
      await sleep(400 + cycle * 60);
      if (cycle % 3 === 0) {
        outages.push('restart');
        await etcd.restart();
      } else if (cycle % 3 === 1) {
        outages.push('SIGKILL');
        process.kill(etcd.pid, 'SIGKILL');
        await waitFor(() => !etcd.running, 5_000, 'etcd to die');
        await sleep(300);
        await etcd.up();
      } else {
        outages.push('down 1 s');
        await etcd.down();
        await sleep(1_000);
        await etcd.up();
      }
    }
    await sleep(500);
    stop = true;
    await loop;
    const end = Number((await writer.client.kv.put({ key: Buffer.from('/w/zz-end'), value: Buffer.from('end') })).header.revision);
    await waitFor(() => watch.nextRevision > end, 30_000, `the watch to reach revision ${end}`);
    watch.dispose();

    const ours: Flat[] = batches.flatMap((b) =>
      b.events.map((ev) => {
        const w = toWatchEvent(ev);
        return { revision: w.revision, type: w.type, key: w.kv.key, value: ev.type === 'delete' ? '' : w.kv.value, prev: w.prevKv ? w.prevKv.value : null };
      }),
    );
    const oracle = await etcdctlHistory('/w/', start, end);
    console.log(
      `[etcd-watch] ${outages.length} outages (${outages.join(', ')}); ${writes} writes ok, ${failures} failed while etcd was away; ` +
        `${ours.length} events in ${batches.length} revisions; reconnects ${watch.stats.reconnects}, duplicates dropped ${watch.stats.duplicatesDropped}, fragments ${watch.stats.fragments}`,
    );
    expect(orderError).toBeUndefined();
    expect(ours.length).toBe(oracle.length);
    expect(ours).toEqual(oracle);
    expect(ours.some((e) => Buffer.from(e.key, 'base64').toString() === '/outside')).toBe(false);
    expect(ours.filter((e) => Buffer.from(e.key, 'base64').toString().startsWith('/w/bulk/') && e.type === 'delete')).toHaveLength(3000);
    expect(watch.stats.reconnects).toBeGreaterThanOrEqual(outages.length);
    expect(watch.stats.fragments).toBeGreaterThan(0); // the 3 MiB revision came in pieces
    expect(states.filter((s) => s === 'reconnecting').length).toBeGreaterThanOrEqual(outages.length);
    expect(states[states.length - 1]).toBe('stopped');
    expect(failures).toBeGreaterThan(0); // the writer really ran into the outages
  });
});
