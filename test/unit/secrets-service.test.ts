import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Disposable } from '../../main/contract/index';
import type { RpcClient } from '../../main/contract/rpc-client';
import { secretsContract, type SecretsSnapshot } from '../../main/contract/secrets';
import { SecretsService } from '../../main/settings/secrets-service';
import { VaultSecretStore } from '../../main/settings/vault-secret-store';
import { startRpcPair } from '../support/rpc-pair';

const contract = { secrets: secretsContract } as const;
const PASSPHRASE = 'a long enough passphrase';

let root: string;
let store: VaultSecretStore;
let service: SecretsService;
let server: Disposable;
let client: RpcClient<typeof contract>;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'drover-secrets-rpc-'));
  store = new VaultSecretStore({ dir: root, scrypt: { N: 2 ** 10, r: 8, p: 1 } });
  service = new SecretsService(store);
  const pair = await startRpcPair(contract, { secrets: service.impl }, { client: { defaultTimeoutMs: 10_000 } });
  server = pair.server;
  client = pair.client;
});

afterEach(async () => {
  client.dispose();
  server.dispose();
  service.dispose();
  store.dispose();
  await fs.rm(root, { recursive: true, force: true });
});

describe('secrets over the RPC engine', () => {
  it('has no way to read a value back', () => {
    expect(Object.keys(secretsContract).sort()).toEqual(['changes', 'delete', 'list', 'lock', 'set', 'status', 'unlock']);
    expect('get' in client.api.secrets).toBe(false);
  });

  it('unlock, set, list, lock: values go in, only ids and labels come out', async () => {
    const api = client.api.secrets;
    expect(await api.status(null)).toEqual({ backend: 'vault', persistent: true, locked: true, vaultExists: false });
    await expect(api.list(null)).rejects.toMatchObject({ code: 'LOCKED' });
    await expect(api.set({ id: 'a', value: 'x' })).rejects.toMatchObject({ code: 'LOCKED' });

    expect(await api.unlock({ passphrase: PASSPHRASE })).toMatchObject({ locked: false, vaultExists: true });
    expect(await api.set({ id: 'ssh:prod:password', label: 'prod', value: 's3cret-value' })).toEqual({ id: 'ssh:prod:password', label: 'prod' });
    const listed = await api.list(null);
    expect(listed).toEqual([{ id: 'ssh:prod:password', label: 'prod' }]);
    expect(JSON.stringify(listed)).not.toContain('s3cret-value');
    // Main-side services read values through the store.
    expect(await store.get('ssh:prod:password')).toBe('s3cret-value');

    expect(await api.lock(null)).toMatchObject({ locked: true });
    await expect(api.unlock({ passphrase: 'not the passphrase' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED', hint: expect.stringMatching(/passphrase/) as unknown });
    await api.unlock({ passphrase: PASSPHRASE });
    expect(await api.delete({ id: 'ssh:prod:password' })).toEqual({ deleted: true });
    expect(await api.delete({ id: 'ssh:prod:password' })).toEqual({ deleted: false });
  });

  it('validates input at the edge', async () => {
    await client.api.secrets.unlock({ passphrase: PASSPHRASE });
    await expect(client.api.secrets.set({ id: 'bad id with spaces', value: 'x' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(client.api.secrets.unlock({ passphrase: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('streams status and entries first, then after each change', async () => {
    const events: SecretsSnapshot[] = [];
    const sub = client.api.secrets.changes(null, { next: (s) => events.push(s) });
    await waitFor(() => events.length === 1);
    expect(events[0]).toEqual({ status: { backend: 'vault', persistent: true, locked: true, vaultExists: false }, entries: null });

    await client.api.secrets.unlock({ passphrase: PASSPHRASE });
    await waitFor(() => events.at(-1)?.status.locked === false);
    await client.api.secrets.set({ id: 'a', value: 'x', label: 'A' });
    await waitFor(() => events.at(-1)?.entries?.length === 1);
    expect(events.at(-1)!.entries).toEqual([{ id: 'a', label: 'A' }]);
    await client.api.secrets.lock(null);
    await waitFor(() => events.at(-1)?.status.locked === true);
    expect(events.at(-1)!.entries).toBeNull();
    expect(JSON.stringify(events)).not.toContain('"x"');

    sub.dispose();
    await waitFor(() => (store as unknown as { changeEmitter: { listenerCount: number } }).changeEmitter.listenerCount === 0);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
