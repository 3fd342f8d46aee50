import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../main/app/create-services';
import { MemorySecretStore } from '../../main/settings/secret-store';
import { VaultSecretStore } from '../../main/settings/vault-secret-store';

let root: string;
let services: Services | undefined;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'drover-wiring-'));
});

afterEach(async () => {
  services?.dispose();
  services = undefined;
  await fs.rm(root, { recursive: true, force: true });
});

describe('createServices: settings and secrets', () => {
  it('registers both contracts, passes load notices to the system service, defaults to a locked vault (web)', async () => {
    await fs.writeFile(path.join(root, 'settings.json'), '{ not json');
    services = await createServices({ transport: 'web', configDir: root, env: {} });
    expect(services.routes.has('settings.get')).toBe(true);
    expect(services.routes.has('settings.update')).toBe(true);
    expect(services.routes.has('secrets.unlock')).toBe(true);
    expect(services.routes.has('secrets.get')).toBe(false);
    const info = await services.system.impl.info(null, { signal: new AbortController().signal, connectionId: 't' });
    expect(info.notices.map((n) => n.key)).toContain('settings.keptAside');
    expect(services.secretStore).toBeInstanceOf(VaultSecretStore);
    expect(await services.secretStore.status()).toMatchObject({ backend: 'vault', locked: true });
    expect((await fs.readdir(root)).some((f) => f.startsWith('settings.json.corrupt-'))).toBe(true);
  });

  it('DROVER_SECRETS=memory selects memory only and says so', async () => {
    services = await createServices({ transport: 'web', configDir: root, env: { DROVER_SECRETS: 'memory' } });
    expect(services.secretStore).toBeInstanceOf(MemorySecretStore);
    const info = await services.system.impl.info(null, { signal: new AbortController().signal, connectionId: 't' });
    expect(info.notices.map((n) => n.key)).toContain('secrets.memoryOnly');
  });

  it('uses the secret store the host passes in', async () => {
    const injected = new MemorySecretStore('injected');
    services = await createServices({ transport: 'electron', configDir: root, env: {}, secretStore: injected });
    expect(services.secretStore).toBe(injected);
  });
});
