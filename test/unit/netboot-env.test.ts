import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../main/contract/errors';
import type { NetbootConfigInput } from '../../main/contract/netboot';
import { parseEnv } from '../../main/farm/env-file';
import { validateNetbootConfig, type ResolvedSubnet } from '../../main/netboot/config-validation';
import type { EtcdReader } from '../../main/netboot/etcd-reader';
import { buildInitialEnv, initialEnvKeys } from '../../main/netboot/initial-env';

const SAMPLE_PATH = path.join(__dirname, '../../resources/netboot/sample-config.json');

function subnet(): ResolvedSubnet {
  const input = JSON.parse(readFileSync(SAMPLE_PATH, 'utf8')) as NetbootConfigInput;
  input.defaults!.etcdKeys = { dcConfig: '/farm/dc/{uuid}/config', workerEnv: '/farm/workers/{macHyphen}/env' };
  const r = validateNetbootConfig(input);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config.subnets[0]!;
}

class MapReader implements EtcdReader {
  readonly asked: string[] = [];
  constructor(
    protected readonly values: Record<string, string>,
    private readonly failing: Set<string> = new Set(),
  ) {}
  async get(key: string): Promise<string | undefined> {
    this.asked.push(key);
    if (this.failing.has(key)) throw new AppError('UNAVAILABLE', 'etcd at http://127.0.0.1:2379 is unreachable: GRPCUnavailableError');
    return this.values[key];
  }
}

/** A reader that can read several keys in one round trip: buildInitialEnv must use that instead of get. */
class BatchReader extends MapReader {
  readonly batches: string[][] = [];
  constructor(values: Record<string, string>, private readonly batchFails = false) {
    super(values);
  }
  override async get(): Promise<string | undefined> {
    throw new Error('get must not be called when getMany exists');
  }
  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    this.batches.push([...keys]);
    if (this.batchFails) throw new AppError('UNAVAILABLE', 'etcd at http://127.0.0.1:2379 did not answer within 2000 ms');
    return keys.map((k) => this.values[k]);
  }
}

const MAC = '52:54:00:a1:9c:ae';
const DC = '/farm/dc/8f3c1e2a-5b7d-4c1e-9a2f-3d4b5c6e7f80/config';
const WORKER = '/farm/workers/52-54-00-a1-9c-ae/env';

describe('get-initial-config env', () => {
  it('builds the keys from the UUID and the MAC form the pattern asks for', () => {
    expect(initialEnvKeys(subnet(), '52-54-00-A1-9C-AE')).toEqual({ dcKey: DC, workerKey: WORKER });
  });

  it('merges the dc config and the worker env, the worker winning, as sh-readable text', async () => {
    const reader = new MapReader({
      [DC]: '# datacenter urumqi\nPOOL=stratum+tcp://pool.urumqi:4444\nINFLUX=http://10.40.23.250:8086\nWALLET=dc-default\n',
      [WORKER]: "WORKER_NAME='rig 07'\nWALLET=0xabc\nexport OC_PROFILE=3090-low\n",
    });
    const r = await buildInitialEnv(subnet(), MAC, reader);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.keyCount).toBe(5);
    expect(parseEnv(r.text)).toEqual({
      entries: [
        { key: 'POOL', value: 'stratum+tcp://pool.urumqi:4444' },
        { key: 'INFLUX', value: 'http://10.40.23.250:8086' },
        { key: 'WALLET', value: '0xabc' },
        { key: 'WORKER_NAME', value: 'rig 07' },
        { key: 'OC_PROFILE', value: '3090-low' },
      ],
      problems: [],
    });
    expect(reader.asked.sort()).toEqual([DC, WORKER].sort());
  });

  it('says which key is missing', async () => {
    const noWorker = await buildInitialEnv(subnet(), MAC, new MapReader({ [DC]: 'A=1\n' }));
    expect(noWorker).toEqual({ ok: false, kind: 'not-found', reason: `no worker env for ${MAC}: etcd key ${WORKER} does not exist` });
    const noDc = await buildInitialEnv(subnet(), MAC, new MapReader({ [WORKER]: 'A=1\n' }));
    expect(noDc).toMatchObject({ ok: false, kind: 'not-found' });
    expect((noDc as { reason: string }).reason).toMatch(/no datacenter config for subnet urumqi-rigs-a \(datacenter 8f3c1e2a-.*\): etcd key \/farm\/dc\/.* does not exist/);
  });

  it('refuses an invalid value by line numbers only: no value ever appears in the reason', async () => {
    const secret = 'hunter2-wallet-seed';
    const r = await buildInitialEnv(
      subnet(),
      MAC,
      new MapReader({ [DC]: 'A=1\n', [WORKER]: `OK=1\nthis line has ${secret}\nS="$(curl ${secret})"\n` }),
    );
    expect(r).toMatchObject({ ok: false, kind: 'invalid' });
    const reason = (r as { reason: string }).reason;
    expect(reason).toBe(`the value of etcd key ${WORKER} is not a valid env file (bad lines 2, 3); fix it in etcd`);
    expect(reason).not.toContain(secret);
  });

  it('answers unavailable (retryable) when either read fails, never a partial env', async () => {
    const r = await buildInitialEnv(subnet(), MAC, new MapReader({ [DC]: 'A=1\n', [WORKER]: 'B=2\n' }, new Set([DC])));
    expect(r).toEqual({ ok: false, kind: 'unavailable', reason: 'etcd could not be read: etcd at http://127.0.0.1:2379 is unreachable: GRPCUnavailableError' });
  });

  it('reads both keys in one getMany call when the reader has it (one round trip, one revision)', async () => {
    const reader = new BatchReader({ [DC]: 'POOL=a\nWALLET=dc\n', [WORKER]: 'WALLET=0xabc\n' });
    const r = await buildInitialEnv(subnet(), MAC, reader);
    expect(r).toMatchObject({ ok: true, text: 'POOL=a\nWALLET=0xabc\n', keyCount: 2 });
    expect(reader.batches).toEqual([[DC, WORKER]]);
    expect(await buildInitialEnv(subnet(), MAC, new BatchReader({ [DC]: 'A=1\n' }))).toEqual({ ok: false, kind: 'not-found', reason: `no worker env for ${MAC}: etcd key ${WORKER} does not exist` });
    expect(await buildInitialEnv(subnet(), MAC, new BatchReader({ [DC]: 'A=1\n', [WORKER]: 'B=2\n' }, true))).toEqual({
      ok: false,
      kind: 'unavailable',
      reason: 'etcd could not be read: etcd at http://127.0.0.1:2379 did not answer within 2000 ms',
    });
  });

  it('stops when the client has gone', async () => {
    const abort = new AbortController();
    abort.abort();
    const r = await buildInitialEnv(subnet(), MAC, new MapReader({ [DC]: 'A=1\n', [WORKER]: 'B=2\n' }), abort.signal);
    expect(r).toMatchObject({ ok: false, kind: 'cancelled' });
  });
});
