import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError, type Disposable } from '../../main/contract/index';
import type { RpcClient } from '../../main/contract/rpc-client';
import { settingsContract, type Settings } from '../../main/contract/settings';
import { SettingsService } from '../../main/settings/settings-service';
import { JsonSettingsStore } from '../../main/settings/settings-store';
import { startRpcPair } from '../support/rpc-pair';

const contract = { settings: settingsContract } as const;

let root: string;
let store: JsonSettingsStore;
let service: SettingsService;
let server: Disposable;
let client: RpcClient<typeof contract>;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'drover-settings-rpc-'));
  store = new JsonSettingsStore({ dir: root });
  await store.load();
  service = new SettingsService(store);
  const pair = await startRpcPair(contract, { settings: service.impl }, { client: { defaultTimeoutMs: 10_000 } });
  server = pair.server;
  client = pair.client;
});

afterEach(async () => {
  client.dispose();
  server.dispose();
  await store.flush();
  service.dispose();
  store.dispose();
  await fs.rm(root, { recursive: true, force: true });
});

describe('settings over the RPC engine', () => {
  it('update then get returns the merged settings, and the file has them', async () => {
    const updated = await client.api.settings.update({ ui: { language: 'zh-CN' } });
    expect(updated).toEqual({ version: 1, ui: { language: 'zh-CN', theme: 'system' } });
    expect(await client.api.settings.get(null)).toEqual(updated);
    expect(JSON.parse(await fs.readFile(path.join(root, 'settings.json'), 'utf8'))).toEqual(updated);
  });

  it('refuses an invalid update with INVALID_INPUT', async () => {
    const bad = client.api.settings.update({ ui: { theme: 'neon' } } as never);
    await expect(bad).rejects.toBeInstanceOf(AppError);
    await expect(bad).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(client.api.settings.update({ unknown: {} } as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(client.api.settings.update({ ui: { theme: 'dark', extra: 1 } } as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect((await client.api.settings.get(null)).ui.theme).toBe('system');
  });

  it('streams the current settings first, then every change', async () => {
    const events: Settings[] = [];
    const sub = client.api.settings.changes(null, { next: (s) => events.push(s) });
    await waitFor(() => events.length === 1);
    expect(events[0]!.ui.theme).toBe('system');
    await client.api.settings.update({ ui: { theme: 'dark' } });
    await client.api.settings.update({ ui: { language: 'en' } });
    await waitFor(() => events.length === 3);
    expect(events.map((e) => e.ui)).toEqual([
      { language: 'system', theme: 'system' },
      { language: 'system', theme: 'dark' },
      { language: 'en', theme: 'dark' },
    ]);
    sub.dispose();
    // The server frees the subscription: no listener is left on the store.
    await waitFor(() => (store as unknown as { changeEmitter: { listenerCount: number } }).changeEmitter.listenerCount === 0);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
