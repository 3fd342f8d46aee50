import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../support/manual-clock';
import { AppError, isAppError } from '../../main/contract/errors';
import { createSecretStore } from '../../main/settings/create-secret-store';
import { SafeStorageSecretStore, type SafeStorageLike } from '../../main/settings/safe-storage-secret-store';
import { MemorySecretStore, type SecretStore } from '../../main/settings/secret-store';
import { VaultSecretStore, type ScryptParams } from '../../main/settings/vault-secret-store';

const FAST: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };
const NOW = Date.UTC(2025, 10, 23, 16, 0, 0, 0);
const clock = new ManualClock(NOW);
const PASSPHRASE = 'correct horse battery staple';
const SECRET = 'hunter2-the-root-password-ä€';

let root: string;
let dir: string;
const toDispose: SecretStore[] = [];

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'drover-secrets-'));
  dir = path.join(root, 'config');
});

afterEach(async () => {
  for (const s of toDispose.splice(0)) s.dispose();
  await fs.rm(root, { recursive: true, force: true });
});

function track<T extends SecretStore>(store: T): T {
  toDispose.push(store);
  return store;
}

const vault = (extra: Partial<ConstructorParameters<typeof VaultSecretStore>[0]> = {}) =>
  track(new VaultSecretStore({ dir, scrypt: FAST, clock, ...extra }));

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

/** Every byte sequence a leak could take: utf8 of the text and its base64. */
function expectNoTrace(bytes: Buffer, plain: string): void {
  expect(bytes.includes(Buffer.from(plain, 'utf8'))).toBe(false);
  expect(bytes.includes(Buffer.from(Buffer.from(plain, 'utf8').toString('base64').slice(0, 12), 'utf8'))).toBe(false);
}

describe('VaultSecretStore', () => {
  it('is locked with no vault at first and refuses everything but status and unlock', async () => {
    const store = vault();
    expect(await store.status()).toEqual({ backend: 'vault', persistent: true, locked: true, vaultExists: false });
    for (const p of [store.list(), store.get('a'), store.set('a', 'x'), store.delete('a')]) {
      const err = await rejection(p);
      expect(err.code).toBe('LOCKED');
      expect(err.hint).toMatch(/passphrase/);
    }
    await expect(fs.stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('creates the vault on first unlock, stores, locks, and reads back after unlocking again', async () => {
    const store = vault();
    const st = await store.unlock(PASSPHRASE);
    expect(st).toEqual({ backend: 'vault', persistent: true, locked: false, vaultExists: true });
    expect(await store.set('ssh:prod-1:password', SECRET, 'prod-1 root')).toEqual({ id: 'ssh:prod-1:password', label: 'prod-1 root' });
    await store.set('etcd/lab/token', 'tok-123');
    expect(await store.list()).toEqual([{ id: 'etcd/lab/token' }, { id: 'ssh:prod-1:password', label: 'prod-1 root' }]);
    expect(await store.get('ssh:prod-1:password')).toBe(SECRET);

    expect((await store.lock()).locked).toBe(true);
    expect((await rejection(store.get('ssh:prod-1:password'))).code).toBe('LOCKED');

    await store.unlock(PASSPHRASE);
    expect(await store.get('ssh:prod-1:password')).toBe(SECRET);

    // A fresh store (a new run of Drover) reads the same file.
    const other = vault();
    await other.unlock(PASSPHRASE);
    expect(await other.get('etcd/lab/token')).toBe('tok-123');
    expect(await other.list()).toHaveLength(2);
    expect(await other.delete('etcd/lab/token')).toBe(true);
    expect(await other.delete('etcd/lab/token')).toBe(false);

    const third = vault();
    await third.unlock(PASSPHRASE);
    expect(await third.list()).toEqual([{ id: 'ssh:prod-1:password', label: 'prod-1 root' }]);
  });

  it('keeps the label when a secret is replaced without one', async () => {
    const store = vault();
    await store.unlock(PASSPHRASE);
    await store.set('a', 'one', 'Label A');
    expect(await store.set('a', 'two')).toEqual({ id: 'a', label: 'Label A' });
    expect(await store.get('a')).toBe('two');
  });

  it('refuses a wrong passphrase with UNAUTHENTICATED and a hint, and stays locked', async () => {
    const store = vault();
    await store.unlock(PASSPHRASE);
    await store.set('a', SECRET);
    await store.lock();
    const before = await fs.readFile(store.file);

    const err = await rejection(store.unlock('Correct horse battery staple'));
    expect(err.code).toBe('UNAUTHENTICATED');
    expect(err.hint).toMatch(/passphrase/);
    expect((await store.status()).locked).toBe(true);
    expect(await fs.readFile(store.file)).toEqual(before);

    // Unlocking an already unlocked vault checks the passphrase too.
    await store.unlock(PASSPHRASE);
    expect((await rejection(store.unlock('wrong passphrase!'))).code).toBe('UNAUTHENTICATED');
    expect((await store.status()).locked).toBe(false);
  });

  it('writes neither the secret nor the passphrase, and uses a new IV on every write', async () => {
    const store = vault();
    await store.unlock(PASSPHRASE);
    await store.set('a', SECRET, 'label-in-ciphertext');
    const first = await fs.readFile(store.file);
    await store.set('b', 'other');
    await store.delete('b');
    const second = await fs.readFile(store.file);

    for (const bytes of [first, second]) {
      expectNoTrace(bytes, SECRET);
      expectNoTrace(bytes, PASSPHRASE);
      expect(bytes.includes(Buffer.from('label-in-ciphertext'))).toBe(false);
      const doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      expect(doc).toMatchObject({ format: 'drover-vault', v: 1, cipher: 'aes-256-gcm', kdf: { name: 'scrypt', N: FAST.N, r: 8, p: 1 } });
      expect(Object.keys(doc).sort()).toEqual(['cipher', 'ct', 'format', 'iv', 'kdf', 'tag', 'v']);
    }
    const iv1 = (JSON.parse(first.toString()) as { iv: string }).iv;
    const iv2 = (JSON.parse(second.toString()) as { iv: string }).iv;
    expect(iv1).not.toBe(iv2);
    expect((await fs.stat(store.file)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(dir)).mode & 0o777).toBe(0o700);
    expect(await fs.readdir(dir)).toEqual(['secrets.vault']);
  });

  it('refuses a tampered ciphertext, tag or header, and leaves the file as it is', async () => {
    const store = vault();
    await store.unlock(PASSPHRASE);
    await store.set('a', SECRET);
    await store.lock();
    const original = await fs.readFile(store.file, 'utf8');
    const doc = JSON.parse(original) as { ct: string; tag: string; kdf: { salt: string; N: number } };

    const flip = (b64: string) => {
      const b = Buffer.from(b64, 'base64');
      b[0]! ^= 0x01;
      return b.toString('base64');
    };
    const variants = [
      { ...doc, ct: flip(doc.ct) },
      { ...doc, tag: flip(doc.tag) },
      { ...doc, kdf: { ...doc.kdf, salt: flip(doc.kdf.salt) } },
    ];
    for (const variant of variants) {
      const text = JSON.stringify(variant);
      await fs.writeFile(store.file, text);
      const err = await rejection(vault().unlock(PASSPHRASE));
      expect(err.code).toBe('UNAUTHENTICATED');
      expect(await fs.readFile(store.file, 'utf8')).toBe(text);
    }
    await fs.writeFile(store.file, original);
    const ok = vault();
    await ok.unlock(PASSPHRASE);
    expect(await ok.get('a')).toBe(SECRET);
  });

  it('keeps a corrupt vault aside, never overwrites it, and explains', async () => {
    await fs.mkdir(dir, { recursive: true });
    const file = path.join(dir, 'secrets.vault');
    const bytes = Buffer.from('{"format":"drover-vault","v":1,"kdf":', 'utf8');
    await fs.writeFile(file, bytes);
    const store = vault();
    expect((await store.status()).vaultExists).toBe(true);

    const err = await rejection(store.unlock(PASSPHRASE));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/not valid JSON/);
    expect(err.hint).toMatch(/Nothing was overwritten/);
    const keptAs = path.join(dir, 'secrets.vault.corrupt-2025-11-23T16-00-00.000Z');
    expect(err.details).toMatchObject({ keptAs });
    expect(await fs.readFile(keptAs)).toEqual(bytes);
    const st = await store.status();
    expect(st).toMatchObject({ locked: true, vaultExists: false });
    expect(st.reason).toMatch(/kept as secrets\.vault\.corrupt-/);

    // Unlocking again starts a new, empty vault; the kept-aside file stays as it was.
    await store.unlock(PASSPHRASE);
    expect(await store.list()).toEqual([]);
    expect(await fs.readFile(keptAs)).toEqual(bytes);
    expect((await store.status()).reason).toBeUndefined();
  });

  it('keeps a vault that is not ours, or from a newer version, aside', async () => {
    await fs.mkdir(dir, { recursive: true });
    const file = path.join(dir, 'secrets.vault');
    await fs.writeFile(file, JSON.stringify({ hello: 'world' }));
    expect((await rejection(vault().unlock(PASSPHRASE))).code).toBe('UNAVAILABLE');
    await fs.writeFile(file, JSON.stringify({ format: 'drover-vault', v: 2 }));
    const err = await rejection(vault().unlock(PASSPHRASE));
    expect(err.message).toMatch(/newer/);
    expect((await fs.readdir(dir)).sort()).toEqual(['secrets.vault.corrupt-2025-11-23T16-00-00.000Z', 'secrets.vault.newer-2025-11-23T16-00-00.000Z']);
  });

  it('refuses absurd scrypt parameters in a file instead of running them', async () => {
    await fs.mkdir(dir, { recursive: true });
    const doc = { format: 'drover-vault', v: 1, kdf: { name: 'scrypt', N: 2 ** 30, r: 8, p: 1, salt: randomBytes(16).toString('base64') }, cipher: 'aes-256-gcm', iv: 'AAAAAAAAAAAAAAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA==', ct: '' };
    await fs.writeFile(path.join(dir, 'secrets.vault'), JSON.stringify(doc));
    expect((await rejection(vault().unlock(PASSPHRASE))).code).toBe('UNAVAILABLE');
  });

  it('asks for a passphrase of at least 8 characters when creating a vault', async () => {
    const err = await rejection(vault().unlock('short'));
    expect(err.code).toBe('INVALID_INPUT');
    await expect(fs.stat(path.join(dir, 'secrets.vault'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses bad ids', async () => {
    const store = vault();
    await store.unlock(PASSPHRASE);
    expect((await rejection(store.set('../etc/passwd', 'x'))).code).toBe('INVALID_INPUT');
    expect((await rejection(store.set('a', ''))).code).toBe('INVALID_INPUT');
  });

  it('serializes concurrent writes without losing one', async () => {
    const store = vault();
    await store.unlock(PASSPHRASE);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`k${String(i).padStart(2, '0')}`, `v${i}`)));
    const again = vault();
    await again.unlock(PASSPHRASE);
    expect((await again.list()).map((e) => e.id)).toEqual(Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, '0')}`));
    expect(await fs.readdir(dir)).toEqual(['secrets.vault']);
  });

  it('fires onDidChange for unlock, set, delete and lock', async () => {
    const store = vault();
    const kinds: string[] = [];
    store.onDidChange((c) => kinds.push(c.kind));
    await store.unlock(PASSPHRASE);
    await store.set('a', 'x');
    await store.delete('a');
    await store.lock();
    expect(kinds).toEqual(['status', 'entries', 'entries', 'status']);
  });

  it('works with the default scrypt cost (N=2^15, r=8: maxmem is raised)', async () => {
    const store = track(new VaultSecretStore({ dir, clock }));
    await store.unlock(PASSPHRASE);
    await store.set('a', SECRET);
    const doc = JSON.parse(await fs.readFile(store.file, 'utf8')) as { kdf: { N: number; r: number; p: number } };
    expect(doc.kdf).toMatchObject({ N: 2 ** 15, r: 8, p: 1 });
    const again = track(new VaultSecretStore({ dir, clock }));
    await again.unlock(PASSPHRASE);
    expect(await again.get('a')).toBe(SECRET);
  });
});

/** Encrypts for real (AES-GCM with a key held in memory), like a keyring would. */
function fakeSafeStorage(backend?: string): SafeStorageLike & { calls: number } {
  const key = randomBytes(32);
  const impl = {
    calls: 0,
    isEncryptionAvailable: () => true,
    encryptString(plain: string): Buffer {
      impl.calls++;
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), ct]);
    },
    decryptString(buf: Buffer): string {
      const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
      d.setAuthTag(buf.subarray(12, 28));
      return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
    },
    ...(backend === undefined ? {} : { getSelectedStorageBackend: () => backend }),
  };
  return impl;
}

describe('SafeStorageSecretStore', () => {
  it('refuses to persist on the basic_text backend: memory only, nothing written, a reason given', async () => {
    const safe = fakeSafeStorage('basic_text');
    const store = track(new SafeStorageSecretStore({ safeStorage: safe, dir }));
    const st = await store.status();
    expect(st).toMatchObject({ backend: 'memory', persistent: false, locked: false, vaultExists: false });
    expect(st.reason).toMatch(/basic_text/);
    await store.set('a', SECRET, 'A');
    expect(await store.get('a')).toBe(SECRET);
    expect(await store.list()).toEqual([{ id: 'a', label: 'A' }]);
    expect(safe.calls).toBe(0);
    await expect(fs.stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses to persist when encryption is unavailable', async () => {
    const safe = { ...fakeSafeStorage('gnome_libsecret'), isEncryptionAvailable: () => false };
    const store = track(new SafeStorageSecretStore({ safeStorage: safe, dir }));
    const st = await store.status();
    expect(st.persistent).toBe(false);
    expect(st.reason).toMatch(/keyring is not available/);
    await store.set('a', 'x');
    await expect(fs.stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('persists through a real keyring backend and reads back, never in plaintext', async () => {
    const safe = fakeSafeStorage('gnome_libsecret');
    const store = track(new SafeStorageSecretStore({ safeStorage: safe, dir }));
    expect(await store.status()).toEqual({ backend: 'safeStorage', persistent: true, locked: false, vaultExists: false });
    await store.set('ssh:prod-1:password', SECRET, 'prod-1 root');
    await store.set('etcd/lab/token', 'tok-123');

    const file = path.join(dir, 'secrets.safe.json');
    const bytes = await fs.readFile(file);
    expectNoTrace(bytes, SECRET);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(await fs.readdir(dir)).toEqual(['secrets.safe.json']);

    const again = track(new SafeStorageSecretStore({ safeStorage: safe, dir }));
    expect(await again.list()).toEqual([{ id: 'etcd/lab/token' }, { id: 'ssh:prod-1:password', label: 'prod-1 root' }]);
    expect(await again.get('ssh:prod-1:password')).toBe(SECRET);
    expect(await again.delete('etcd/lab/token')).toBe(true);
    const third = track(new SafeStorageSecretStore({ safeStorage: safe, dir }));
    expect(await third.list()).toEqual([{ id: 'ssh:prod-1:password', label: 'prod-1 root' }]);
  });

  it('works on macOS/Windows where there is no backend selection', async () => {
    const store = track(new SafeStorageSecretStore({ safeStorage: fakeSafeStorage(), dir }));
    expect((await store.status()).persistent).toBe(true);
    await store.set('a', 'x');
    expect(await store.get('a')).toBe('x');
  });

  it('reports a keyring that can no longer decrypt as LOCKED', async () => {
    await track(new SafeStorageSecretStore({ safeStorage: fakeSafeStorage('kwallet5'), dir })).set('a', 'x');
    const otherKeyring = track(new SafeStorageSecretStore({ safeStorage: fakeSafeStorage('kwallet5'), dir }));
    expect((await rejection(otherKeyring.get('a'))).code).toBe('LOCKED');
  });

  it('keeps a corrupt secrets file aside and starts a new one', async () => {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'secrets.safe.json'), 'garbage');
    const store = track(new SafeStorageSecretStore({ safeStorage: fakeSafeStorage('gnome_libsecret'), dir, clock }));
    const st = await store.status();
    expect(st.persistent).toBe(true);
    expect(st.reason).toMatch(/kept as secrets\.safe\.json\.corrupt-/);
    await store.set('a', 'x');
    expect((await fs.readdir(dir)).sort()).toEqual(['secrets.safe.json', 'secrets.safe.json.corrupt-2025-11-23T16-00-00.000Z']);
    expect(await fs.readFile(path.join(dir, 'secrets.safe.json.corrupt-2025-11-23T16-00-00.000Z'), 'utf8')).toBe('garbage');
  });
});

describe('MemorySecretStore', () => {
  it('keeps secrets in memory and never writes a file', async () => {
    await fs.mkdir(dir, { recursive: true });
    const store = track(new MemorySecretStore());
    const st = await store.status();
    expect(st).toMatchObject({ backend: 'memory', persistent: false, locked: false, vaultExists: false });
    expect((await store.unlock('anything')).locked).toBe(false);
    await store.set('a', SECRET, 'A');
    expect(await store.get('a')).toBe(SECRET);
    expect((await store.lock()).locked).toBe(false);
    expect(await store.get('a')).toBe(SECRET);
    expect(await store.delete('a')).toBe(true);
    expect(await store.get('a')).toBeUndefined();
    expect(await fs.readdir(dir)).toEqual([]);
    expect(await fs.readdir(root)).toEqual(['config']);
  });
});

describe('createSecretStore', () => {
  it('defaults to a locked vault', async () => {
    const { store, notices } = await createSecretStore({ configDir: dir, env: {}, scrypt: FAST, clock });
    track(store);
    expect(store).toBeInstanceOf(VaultSecretStore);
    expect(await store.status()).toMatchObject({ backend: 'vault', locked: true });
    expect(notices).toEqual([]);
  });

  it('uses an injected store, and says so when it does not persist', async () => {
    const injected = new SafeStorageSecretStore({ safeStorage: fakeSafeStorage('basic_text'), dir });
    const { store, notices } = await createSecretStore({ configDir: dir, env: {}, injected });
    track(store);
    expect(store).toBe(injected);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ key: 'secrets.notPersistent', level: 'warning' });
    expect(notices[0]!.message).toMatch(/basic_text/);
  });

  it('DROVER_SECRETS=memory selects memory only; DROVER_SECRETS=vault the vault', async () => {
    const mem = await createSecretStore({ configDir: dir, env: { DROVER_SECRETS: 'memory' } });
    track(mem.store);
    expect(mem.store).toBeInstanceOf(MemorySecretStore);
    expect(mem.notices[0]).toMatchObject({ key: 'secrets.memoryOnly', level: 'info' });

    const injected = new SafeStorageSecretStore({ safeStorage: fakeSafeStorage('kwallet6'), dir });
    const v = await createSecretStore({ configDir: dir, env: { DROVER_SECRETS: 'vault' }, injected, scrypt: FAST });
    track(v.store);
    expect(v.store).toBeInstanceOf(VaultSecretStore);

    const bad = await createSecretStore({ configDir: dir, env: { DROVER_SECRETS: 'plaintext' }, scrypt: FAST });
    track(bad.store);
    expect(bad.notices[0]).toMatchObject({ key: 'secrets.badEnv' });
  });
});

describe('errors', () => {
  it('are AppErrors with codes from the closed list', async () => {
    const err = await rejection(vault().list());
    expect(isAppError(err, 'LOCKED')).toBe(true);
  });
});
