import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Etcd3Reader } from '../../main/netboot/etcd3-reader';
import { NetbootServer } from '../../main/netboot/netboot-server';
import { startEtcd, stopAll, type EtcdHandle } from '../harness/index';
import { DC_UUID, MAC1, get, resolved, testConfigInput } from '../support/netboot-http';

// get-initial-config against the harness's real etcd (127.0.0.1, random ports): the responder
// makes its own Etcd3Reader from the config, as `drover netboot serve` will, with the etcd copy off
// (every request reads etcd; netboot-etcd-copy.test.ts tests the copy).

let etcd: EtcdHandle;
let client: Etcd3;
let server: NetbootServer;
let port: number;
const logs: string[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  await client.put(`/farm/dc/${DC_UUID}/config`).value('# urumqi\nPOOL=stratum+tcp://pool.urumqi:4444\nINFLUX_DB=miners\nWALLET=dc-default\n');
  await client.put(`/farm/workers/${MAC1}/env`).value("WORKER_NAME='rig 07'\nWALLET=0xabc\nOC_PROFILE=3090-low\n");
  server = new NetbootServer({
    config: resolved(testConfigInput({ etcd: { endpoints: [etcd.endpoint], dialTimeoutMs: 1000, requestTimeoutMs: 1000, cache: { enabled: false } } })),
    neighbours: false,
    log: (l) => logs.push(l),
  });
  await server.start();
  port = server.status.port!;
});

afterAll(async () => {
  await server?.disposeAsync();
  client?.close();
  await etcd?.stop();
  await stopAll();
});

describe('get-initial-config with a real etcd', () => {
  it('reads the dc config and the worker env and merges them (worker wins)', async () => {
    const r = await get(port, `/api/v1/get-initial-config?mac=${MAC1}`);
    expect(r.status).toBe(200);
    expect(r.text).toBe("POOL=stratum+tcp://pool.urumqi:4444\nINFLUX_DB=miners\nWALLET=0xabc\nWORKER_NAME='rig 07'\nOC_PROFILE=3090-low\n");
    expect(server.status.etcd.state).toBe('ok');
  });

  it('sees changes at once (no cache)', async () => {
    await client.put(`/farm/workers/${MAC1}/env`).value('WORKER_NAME=rig-07b\n');
    const r = await get(port, `/api/v1/get-initial-config?mac=${MAC1}`);
    expect(r.text).toContain('WORKER_NAME=rig-07b');
    expect(r.text).toContain('WALLET=dc-default');
  });

  it('a MAC without env in etcd: 404 naming the key', async () => {
    const r = await get(port, '/api/v1/get-initial-config?mac=52:54:00:ff:ff:02');
    expect(r.status).toBe(404);
    expect(r.text).toBe('drover netboot: no worker env for 52:54:00:ff:ff:02: etcd key /farm/workers/52:54:00:ff:ff:02/env does not exist\n');
  });

  it('etcd down: a quick retryable 503 that says why, then served again once etcd is back', async () => {
    await etcd.down();
    const started = Date.now();
    const r = await get(port, `/api/v1/get-initial-config?mac=${MAC1}`);
    const elapsed = Date.now() - started;
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('7');
    expect(r.text).toMatch(new RegExp(`^drover netboot: etcd could not be read: etcd at ${etcd.endpoint.replace(/[.]/g, '\\.')} (is unreachable|did not answer within 1000 ms)`));
    expect(r.text).toMatch(/no env was sent, retry in 7 s\n$/);
    expect(r.text).not.toMatch(/WORKER_NAME|POOL|WALLET/);
    expect(elapsed).toBeLessThan(2500);
    expect(server.machine(MAC1)).toMatchObject({ lastStep: 'env', lastOutcome: 'unavailable', reason: expect.stringMatching(/^etcd could not be read/) });
    expect(server.status.etcd.state).toBe('down');

    await etcd.up();
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = (await get(port, `/api/v1/get-initial-config?mac=${MAC1}`)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe(200);
    expect(server.status.etcd.state).toBe('ok');
    expect(logs.some((l) => l.includes('etcd answers again'))).toBe(true);
  });

  it('the reader reads several keys in one transaction: values in key order, a missing key undefined', async () => {
    const reader = new Etcd3Reader({ endpoints: [etcd.endpoint], requestTimeoutMs: 1000 });
    try {
      await client.put('/farm/many/a').value('A=1\n');
      await client.put('/farm/many/c').value('C=3\n');
      await expect(reader.getMany(['/farm/many/c', '/farm/many/b', '/farm/many/a'])).resolves.toEqual(['C=3\n', undefined, 'A=1\n']);
      const abort = new AbortController();
      abort.abort();
      await expect(reader.getMany(['/farm/many/a'], abort.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
    } finally {
      reader.dispose();
    }
    await expect(reader.getMany(['/farm/many/a'])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('the reader maps a closed port to UNAVAILABLE within its timeout', async () => {
    const reader = new Etcd3Reader({ endpoints: ['http://127.0.0.1:1'], dialTimeoutMs: 300, requestTimeoutMs: 500 });
    try {
      const started = Date.now();
      await expect(reader.get('/x')).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/^etcd at http:\/\/127\.0\.0\.1:1 /) });
      expect(Date.now() - started).toBeLessThan(1500);
      await expect(reader.getMany(['/x', '/y'])).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/^etcd at http:\/\/127\.0\.0\.1:1 /) });
    } finally {
      reader.dispose();
    }
  });
});
