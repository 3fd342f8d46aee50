import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../support/manual-clock';
import { isAppError } from '../../main/contract/errors';
import { SettingsSchema, defaultSettings, type Settings } from '../../main/contract/settings';
import { JsonSettingsStore } from '../../main/settings/settings-store';
import { SerialQueue } from '../../main/settings/serial-queue';
import { fileTimestamp, writeFileAtomic } from '../../main/settings/atomic-file';

const NOW = Date.UTC(2025, 10, 23, 15, 55, 0, 123);
const clock = new ManualClock(NOW);
const STAMP = fileTimestamp(NOW); // 2025-11-23T15-55-00.123Z

let root: string;
let dir: string;
const stores: JsonSettingsStore[] = [];

function makeStore(extra: Partial<ConstructorParameters<typeof JsonSettingsStore>[0]> = {}): JsonSettingsStore {
  const store = new JsonSettingsStore({ dir, clock, ...extra });
  stores.push(store);
  return store;
}

const settingsFile = () => path.join(dir, 'settings.json');

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'drover-settings-'));
  dir = path.join(root, 'config', 'drover'); // not created yet: the store makes it
});

afterEach(async () => {
  for (const s of stores.splice(0)) {
    await s.flush();
    s.dispose();
  }
  await fs.rm(root, { recursive: true, force: true });
});

describe('JsonSettingsStore', () => {
  it('starts on defaults when there is no file and writes nothing until an update', async () => {
    const store = makeStore();
    const { settings, notices } = await store.load();
    expect(settings).toEqual(defaultSettings());
    expect(notices).toEqual([]);
    await expect(fs.stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('round-trips an update through the file', async () => {
    const store = makeStore();
    await store.load();
    const next = await store.update({ ui: { theme: 'dark' } });
    expect(next.ui).toEqual({ language: 'system', theme: 'dark' });
    const onDisk = JSON.parse(await fs.readFile(settingsFile(), 'utf8')) as Settings;
    expect(onDisk).toEqual({ version: 1, ui: { language: 'system', theme: 'dark' } });

    const again = makeStore();
    const { settings, notices } = await again.load();
    expect(notices).toEqual([]);
    expect(settings).toEqual(next);
  });

  it('deep-merges patches: fields a patch does not name keep their value', async () => {
    const store = makeStore();
    await store.update({ ui: { language: 'zh-CN' } });
    const next = await store.update({ ui: { theme: 'light' } });
    expect(next.ui).toEqual({ language: 'zh-CN', theme: 'light' });
  });

  it('loads an older file with missing sections by filling defaults', async () => {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(settingsFile(), JSON.stringify({ version: 1 }));
    const { settings, notices } = await makeStore().load();
    expect(notices).toEqual([]);
    expect(settings).toEqual(defaultSettings());
  });

  it('creates the directory 0700 and the file 0600, and leaves no temp files', async () => {
    const store = makeStore();
    await store.update({ ui: { theme: 'dark' } });
    await store.update({ ui: { theme: 'light' } });
    expect((await fs.stat(dir)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(settingsFile())).mode & 0o777).toBe(0o600);
    expect(await fs.readdir(dir)).toEqual(['settings.json']);
  });

  it('replaces the file by rename (a new inode), never by rewriting it in place', async () => {
    const store = makeStore();
    await store.update({ ui: { theme: 'dark' } });
    const before = await fs.stat(settingsFile());
    await store.update({ ui: { theme: 'light' } });
    const after = await fs.stat(settingsFile());
    expect(after.ino).not.toBe(before.ino);
  });

  it('a failed atomic write removes its temp file and leaves the target alone', async () => {
    await fs.mkdir(path.join(dir, 'target', 'child'), { recursive: true });
    await expect(writeFileAtomic(path.join(dir, 'target'), 'data')).rejects.toThrow();
    expect(await fs.readdir(dir)).toEqual(['target']);
    expect(await fs.readdir(path.join(dir, 'target'))).toEqual(['child']);
  });

  it('keeps a corrupt file aside with its original bytes, starts on defaults and says so', async () => {
    await fs.mkdir(dir, { recursive: true });
    const bytes = Buffer.from('{"version": 1, "ui": {"theme": "dark"  \u0000 garbage', 'utf8');
    await fs.writeFile(settingsFile(), bytes);
    const store = makeStore();
    const { settings, notices } = await store.load();
    expect(settings).toEqual(defaultSettings());
    const keptAs = path.join(dir, `settings.json.corrupt-${STAMP}`);
    expect(await fs.readFile(keptAs)).toEqual(bytes);
    await expect(fs.stat(settingsFile())).rejects.toMatchObject({ code: 'ENOENT' });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ level: 'warning', key: 'settings.keptAside', values: { keptAs, file: settingsFile() } });
    expect(notices[0]!.message).toMatch(/not valid JSON.*kept as settings\.json\.corrupt-/);

    // The next update writes a fresh file and leaves the kept-aside one alone.
    await store.update({ ui: { language: 'en' } });
    expect(await fs.readFile(keptAs)).toEqual(bytes);
    expect((await fs.readdir(dir)).sort()).toEqual(['settings.json', `settings.json.corrupt-${STAMP}`]);
  });

  it('never overwrites an earlier kept-aside file', async () => {
    await fs.mkdir(dir, { recursive: true });
    const earlier = path.join(dir, `settings.json.corrupt-${STAMP}`);
    await fs.writeFile(earlier, 'earlier');
    await fs.writeFile(settingsFile(), 'not json');
    const { notices } = await makeStore().load();
    expect(await fs.readFile(earlier, 'utf8')).toBe('earlier');
    expect(await fs.readFile(`${earlier}-1`, 'utf8')).toBe('not json');
    expect(notices[0]!.values?.keptAs).toBe(`${earlier}-1`);
  });

  it('keeps a schema-invalid file aside', async () => {
    await fs.mkdir(dir, { recursive: true });
    const text = JSON.stringify({ version: 1, ui: { theme: 'purple' } });
    await fs.writeFile(settingsFile(), text);
    const { settings, notices } = await makeStore().load();
    expect(settings).toEqual(defaultSettings());
    expect(await fs.readFile(path.join(dir, `settings.json.corrupt-${STAMP}`), 'utf8')).toBe(text);
    expect(notices[0]).toMatchObject({ key: 'settings.keptAside', level: 'warning' });
    expect(notices[0]!.message).toMatch(/ui\.theme/);
  });

  it('keeps a file with no version aside', async () => {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(settingsFile(), JSON.stringify({ ui: { theme: 'dark' } }));
    const { notices } = await makeStore().load();
    expect(notices[0]!.key).toBe('settings.keptAside');
    expect(notices[0]!.message).toMatch(/version/);
  });

  it('keeps a file from a newer version aside', async () => {
    await fs.mkdir(dir, { recursive: true });
    const text = JSON.stringify({ version: 7, ui: { theme: 'dark' }, fancy: true });
    await fs.writeFile(settingsFile(), text);
    const { settings, notices } = await makeStore().load();
    expect(settings).toEqual(defaultSettings());
    const keptAs = path.join(dir, `settings.json.newer-${STAMP}`);
    expect(await fs.readFile(keptAs, 'utf8')).toBe(text);
    expect(notices[0]).toMatchObject({ key: 'settings.keptAsideNewer', level: 'warning', values: { version: 7, keptAs } });
  });

  it('does not write over a file it cannot read', async () => {
    // A directory where the file should be: unreadable even for root (EISDIR).
    await fs.mkdir(settingsFile(), { recursive: true });
    const store = makeStore();
    const { settings, notices } = await store.load();
    expect(settings).toEqual(defaultSettings());
    expect(notices[0]).toMatchObject({ key: 'settings.unreadable', level: 'error', values: { code: 'EISDIR' } });
    expect(store.notPersistingReason).toMatch(/EISDIR/);
    // Changes still apply for this run, in memory only.
    const next = await store.update({ ui: { theme: 'dark' } });
    expect(next.ui.theme).toBe('dark');
    expect((await fs.stat(settingsFile())).isDirectory()).toBe(true);
    expect(await fs.readdir(dir)).toEqual(['settings.json']);
  });

  it('refuses an invalid patch with INVALID_INPUT and changes nothing', async () => {
    const store = makeStore();
    await store.update({ ui: { theme: 'dark' } });
    const err = await store.update({ ui: { theme: 'neon' } } as never).catch((e: unknown) => e);
    expect(isAppError(err, 'INVALID_INPUT')).toBe(true);
    const err2 = await store.update({ nope: 1 } as never).catch((e: unknown) => e);
    expect(isAppError(err2, 'INVALID_INPUT')).toBe(true);
    expect(store.current.ui.theme).toBe('dark');
  });

  it('serializes concurrent updates: no update is lost', async () => {
    const store = makeStore();
    await store.load();
    const seen: Settings[] = [];
    store.onDidChange((s) => seen.push(s));
    const results = await Promise.all([
      store.update({ ui: { theme: 'dark' } }),
      store.update({ ui: { language: 'zh-CN' } }),
      store.update((cur) => ({ ui: { theme: cur.ui.theme === 'dark' ? 'light' : 'system' } })),
    ]);
    expect(results[2]).toEqual({ version: 1, ui: { language: 'zh-CN', theme: 'light' } });
    expect(seen.map((s) => s.ui)).toEqual([
      { language: 'system', theme: 'dark' },
      { language: 'zh-CN', theme: 'dark' },
      { language: 'zh-CN', theme: 'light' },
    ]);
    const onDisk = JSON.parse(await fs.readFile(settingsFile(), 'utf8')) as unknown;
    expect(onDisk).toEqual(results[2]);
    expect(await fs.readdir(dir)).toEqual(['settings.json']);
  });

  it('serializes updates across many concurrent writers (functional updates)', async () => {
    const store = makeStore();
    const themes = ['light', 'dark', 'system'] as const;
    let count = 0;
    await Promise.all(
      Array.from({ length: 30 }, () =>
        store.update(() => {
          count++;
          return { ui: { theme: themes[count % 3] } };
        }),
      ),
    );
    expect(count).toBe(30);
    expect(store.current.ui.theme).toBe(themes[30 % 3]);
    expect(await fs.readdir(dir)).toEqual(['settings.json']);
  });

  it('does not rewrite or notify when a patch changes nothing', async () => {
    const store = makeStore();
    await store.load();
    let events = 0;
    store.onDidChange(() => events++);
    await store.update({ ui: { theme: 'system' } });
    expect(events).toBe(0);
    await expect(fs.stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('update before load reads the file first (never writes over unread settings)', async () => {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(settingsFile(), JSON.stringify({ version: 1, ui: { language: 'zh-CN' } }));
    const store = makeStore();
    const next = await store.update({ ui: { theme: 'dark' } });
    expect(next.ui).toEqual({ language: 'zh-CN', theme: 'dark' });
  });

  it('keeps sections it does not know (written by a newer build of the same version)', async () => {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(settingsFile(), JSON.stringify({ version: 1, ui: { theme: 'dark' }, tunnels: { profiles: [{ id: 'a' }] } }));
    const store = makeStore();
    const { settings } = await store.load();
    expect(settings).toEqual({ version: 1, ui: { language: 'system', theme: 'dark' } });
    await store.update({ ui: { language: 'en' } });
    const onDisk = JSON.parse(await fs.readFile(settingsFile(), 'utf8')) as Record<string, unknown>;
    expect(onDisk).toEqual({ version: 1, ui: { language: 'en', theme: 'dark' }, tunnels: { profiles: [{ id: 'a' }] } });
  });

  it('runs migrations from older versions and says so', async () => {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(settingsFile(), JSON.stringify({ version: 0, theme: 'dark' }));
    const store = makeStore({
      migrations: [{ from: 0, migrate: (raw) => ({ version: 1, ui: { theme: raw.theme } }) }],
    });
    const { settings, notices } = await store.load();
    expect(settings.ui.theme).toBe('dark');
    expect(notices[0]).toMatchObject({ key: 'settings.migrated', level: 'info', values: { from: 0, to: 1 } });
  });

  it('keeps an old file aside when no migration exists for it', async () => {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(settingsFile(), JSON.stringify({ version: 0 }));
    const { notices } = await makeStore().load();
    expect(notices[0]!.key).toBe('settings.keptAside');
    expect(notices[0]!.message).toMatch(/no migration from settings version 0/);
  });

  it('returns frozen settings that callers cannot change behind its back', async () => {
    const store = makeStore();
    await store.load();
    expect(() => {
      (store.current.ui as { theme: string }).theme = 'dark';
    }).toThrow();
    expect(SettingsSchema.parse(store.current)).toEqual(defaultSettings());
  });
});

describe('SerialQueue', () => {
  it('runs tasks in order even when one fails', async () => {
    const q = new SerialQueue();
    const order: number[] = [];
    const a = q.run(async () => {
      await new Promise((r) => setTimeout(r, 10));
      order.push(1);
    });
    const b = q.run(() => {
      order.push(2);
      throw new Error('boom');
    });
    const c = q.run(() => order.push(3));
    await a;
    await expect(b).rejects.toThrow('boom');
    await c;
    expect(order).toEqual([1, 2, 3]);
    await q.idle();
    expect(q.size).toBe(0);
  });
});
