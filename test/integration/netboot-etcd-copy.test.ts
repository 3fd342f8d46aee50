import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetbootEtcd } from '../../main/contract/netboot';
import { NetbootServer } from '../../main/netboot/netboot-server';
import { etcdKvReads, startEtcd, startFaultProxy, stopAll, type EtcdHandle, type FaultProxy } from '../harness/index';
import { DC_UUID, MAC1, MAC2, get, resolved, testConfigInput } from '../support/netboot-http';

// The responder's etcd copy against the harness's real etcd (127.0.0.1, random ports): requests
// are answered without an etcd call while the copy is in sync, changes arrive by the watch, and
// a stopped or black-holed etcd makes requests read etcd again (and fail as without a copy).

const DC_KEY = `/farm/dc/${DC_UUID}/config`;
const W1_KEY = `/farm/workers/${MAC1}/env`;
const W2_KEY = `/farm/workers/${MAC2}/env`;

let etcd: EtcdHandle;
let client: Etcd3;
const servers: NetbootServer[] = [];

async function serve(etcdCfg: NetbootEtcd, logs: string[] = []): Promise<{ server: NetbootServer; port: number; logs: string[] }> {
  const server = new NetbootServer({ config: resolved(testConfigInput({ etcd: etcdCfg })), neighbours: false, log: (l) => logs.push(l) });
  servers.push(server);
  await server.start();
  return { server, port: server.status.port!, logs };
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - started;
}

/** KV calls etcd has handled (Range + Txn), from its own metrics. */
const kvCalls = () => etcdKvReads(etcd.endpoint);

const copyState = (s: NetbootServer) => s.status.etcd.copy?.state;

beforeAll(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  await client.put(DC_KEY).value('POOL=stratum+tcp://pool.urumqi:4444\nWALLET=dc-default\n');
  await client.put(W1_KEY).value("WORKER_NAME='rig 07'\nWALLET=0xabc\n");
});

afterAll(async () => {
  for (const s of servers) await s.disposeAsync();
  client?.close();
  await etcd?.stop();
  await stopAll();
});

describe('the etcd copy with a real etcd', () => {
  it('is in sync after start and answers requests without an etcd call', async () => {
    const { server, port, logs } = await serve({ endpoints: [etcd.endpoint], dialTimeoutMs: 1000, requestTimeoutMs: 1000 });
    await until('in sync', () => copyState(server) === 'in-sync', 5000);
    const copy = server.status.etcd.copy!;
    expect(copy).toMatchObject({ state: 'in-sync', keys: 2, prefixes: ['/farm/dc/', '/farm/workers/'] });
    expect(copy.revision).toBeGreaterThan(0);
    expect(logs.some((l) => l.startsWith('netboot: etcd copy in sync: 2 key(s) under /farm/dc/, /farm/workers/'))).toBe(true);

    const before = await kvCalls();
    for (let i = 0; i < 50; i++) {
      const r = await get(port, `/api/v1/get-initial-config?mac=${MAC1}`);
      expect(r.status).toBe(200);
      expect(r.text).toBe("POOL=stratum+tcp://pool.urumqi:4444\nWALLET=0xabc\nWORKER_NAME='rig 07'\n");
    }
    expect(await kvCalls()).toBe(before);
    expect(server.status.etcd.copy).toMatchObject({ fromCopy: 50, readThrough: 0 });
    expect(server.status.etcd.state).toBe('ok');
  });

  it('a put and a delete are served within 1 s, still without etcd calls', async () => {
    const { server, port } = await serve({ endpoints: [etcd.endpoint], dialTimeoutMs: 1000, requestTimeoutMs: 1000 });
    await until('in sync', () => copyState(server) === 'in-sync', 5000);
    const before = await kvCalls();
    await client.put(W2_KEY).value('WORKER_NAME=rig-08\n');
    const putMs = await until('the put is served', async () => (await get(port, `/api/v1/get-initial-config?mac=${MAC2}`)).text.includes('WORKER_NAME=rig-08'), 1000);
    expect(putMs).toBeLessThan(1000);
    await client.delete().key(W2_KEY);
    await until('the delete is served', async () => (await get(port, `/api/v1/get-initial-config?mac=${MAC2}`)).status === 404, 1000);
    const r = await get(port, `/api/v1/get-initial-config?mac=${MAC2}`);
    expect(r.text).toBe(`drover netboot: no worker env for ${MAC2}: etcd key ${W2_KEY} does not exist\n`);
    // The put and the delete themselves are two KV calls (Put and DeleteRange are not counted).
    expect(await kvCalls()).toBe(before);
    expect(server.status.etcd.copy?.keys).toBe(2);
  });

  it('over the cap: nothing is copied, requests read etcd, and the log says so once', async () => {
    const { server, port, logs } = await serve({ endpoints: [etcd.endpoint], dialTimeoutMs: 1000, requestTimeoutMs: 1000, cache: { maxKeys: 1 } });
    await until('read-through', () => copyState(server) === 'read-through', 5000);
    expect(server.status.etcd.copy).toMatchObject({ state: 'read-through', keys: 0, reason: 'not copied: the watched prefixes hold more than 1 keys (etcd.cache.maxKeys)' });
    const before = await kvCalls();
    const r = await get(port, `/api/v1/get-initial-config?mac=${MAC1}`);
    expect(r.status).toBe(200);
    expect(await kvCalls()).toBe(before + 1);
    expect(server.status.etcd.copy).toMatchObject({ fromCopy: 0, readThrough: 1 });
    expect(logs.filter((l) => l.includes('etcd copy not used'))).toHaveLength(1);
  });

  it('a black-holed etcd: within the liveness bound requests read etcd (and fail as without a copy); back: in sync with new values', async () => {
    const proxy: FaultProxy = await startFaultProxy({ targetPort: etcd.clientPort });
    const endpoint = `http://${proxy.host}:${proxy.port}`;
    const { server, port, logs } = await serve({ endpoints: [endpoint], dialTimeoutMs: 1000, requestTimeoutMs: 1000 });
    await until('in sync', () => copyState(server) === 'in-sync', 5000);
    expect((await get(port, `/api/v1/get-initial-config?mac=${MAC1}`)).status).toBe(200);

    await proxy.setMode('blackhole');
    const droppedMs = await until('the copy is not used', () => copyState(server) !== 'in-sync', 5000);
    expect(droppedMs).toBeLessThan(4500); // 3 s bound + one 1 s tick + slack
    expect(server.status.etcd.copy?.reason).toBe('etcd gave no sign of life for 3000 ms');
    expect(logs).toContain('netboot: etcd copy not used (etcd gave no sign of life for 3000 ms); get-initial-config reads etcd until the copy is in sync again');
    const r = await get(port, `/api/v1/get-initial-config?mac=${MAC1}`);
    expect(r.status).toBe(503);
    expect(r.text).toMatch(/^drover netboot: etcd could not be read: etcd at http:\/\/127\.0\.0\.1:\d+ (did not answer within 1000 ms|is unreachable)/);

    await client.put(W1_KEY).value('WORKER_NAME=rig-07-after\n');
    await proxy.setMode('pass');
    await until('in sync again', () => copyState(server) === 'in-sync', 15_000);
    const after = await get(port, `/api/v1/get-initial-config?mac=${MAC1}`);
    expect(after.status).toBe(200);
    expect(after.text).toContain('WORKER_NAME=rig-07-after');
    await proxy.close();
  }, 30_000);

  it('etcd stopped: within the liveness bound the copy is not used, requests fail as without a copy; restarted: in sync again with new values', async () => {
    await client.put(W1_KEY).value("WORKER_NAME='rig 07'\nWALLET=0xabc\n");
    const { server, port } = await serve({ endpoints: [etcd.endpoint], dialTimeoutMs: 1000, requestTimeoutMs: 1000 });
    await until('in sync', () => copyState(server) === 'in-sync', 5000);
    await etcd.down();
    await until('the copy is not used', () => copyState(server) !== 'in-sync', 4500);
    const r = await get(port, `/api/v1/get-initial-config?mac=${MAC1}`);
    expect(r.status).toBe(503);
    expect(r.text).toMatch(/^drover netboot: etcd could not be read: etcd at http:\/\/127\.0\.0\.1:\d+ (is unreachable|did not answer within 1000 ms)/);
    expect(server.status.etcd.copy?.state).not.toBe('in-sync');

    await etcd.up();
    await client.put(W1_KEY).value('WORKER_NAME=rig-07-restarted\n');
    await until('in sync again', () => copyState(server) === 'in-sync', 15_000);
    await until('the new value is served', async () => (await get(port, `/api/v1/get-initial-config?mac=${MAC1}`)).text.includes('WORKER_NAME=rig-07-restarted'), 1000);
  }, 40_000);
});
