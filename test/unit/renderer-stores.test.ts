import { afterEach, describe, expect, it } from 'vitest';
import { toDisposable } from '../../main/contract/lifecycle';
import { storeKey, type FeatureStore, type RendererFeature, type StoreKey } from '../../renderer/src/app/feature';
import { createStores, type Stores } from '../../renderer/src/stores/stores';
import type { SystemPreferences } from '../../renderer/src/stores/settings-store';
import { RendererLink, until } from '../support/renderer-link';

const prefs: SystemPreferences = {
  languages: () => ['en-US'],
  prefersDark: () => false,
  onDidChange: () => toDisposable(() => undefined),
  readCache: () => ({}),
  writeCache: () => undefined,
};

const feature = (id: string, stores: StoreKey<FeatureStore>[]): RendererFeature => ({ id, stores, strings: { en: {}, 'zh-CN': {} } });

describe('createStores (the page’s stores, shell and features)', () => {
  let fx: RendererLink;
  let stores: Stores | undefined;
  afterEach(() => {
    stores?.dispose();
    stores = undefined;
    fx?.dispose();
  });

  it('builds each feature store once, in feature order, with what it depends on; disposes them in reverse', async () => {
    fx = new RendererLink({});
    const log: string[] = [];
    const make = (id: string, needs?: StoreKey<FeatureStore>) =>
      storeKey(id, (deps) => {
        if (needs) deps.get(needs);
        log.push(`create ${id}`);
        expect(deps.api).toBe(fx.api);
        expect(deps.link).toBe(fx.link);
        return { dispose: () => log.push(`dispose ${id}`) };
      });
    const base = make('base');
    const user = make('user', base);
    const other = make('other');
    stores = createStores({ api: fx.api, link: fx.link, transport: 'web', prefs, features: [feature('a', [user]), feature('b', [base, other])] });
    expect(log).toEqual(['create base', 'create user', 'create other']);
    expect(stores.get(user)).toBe(stores.get(user));
    log.length = 0;
    stores.dispose();
    stores = undefined;
    expect(log).toEqual(['dispose other', 'dispose user', 'dispose base']);
  });

  it('refuses a store that depends on itself', () => {
    fx = new RendererLink({});
    const selfish: StoreKey<FeatureStore> = storeKey('selfish', (deps) => deps.get(selfish));
    expect(() => createStores({ api: fx.api, link: fx.link, transport: 'web', prefs, features: [feature('x', [selfish])] })).toThrow(/store selfish depends on itself/);
  });

  it('the shell stores share one toast queue and one link: a lost and restored link shows in the connection store and the info is fetched again', async () => {
    let infoCalls = 0;
    fx = new RendererLink({
      system: {
        info: () => ({ name: 'drover', version: `0.1.${++infoCalls}`, transport: 'web', platform: 'linux', node: 'v20', pid: 1, startedAtMs: 1, configDir: '/c', notices: [] }),
        notices: () => toDisposable(() => undefined),
      },
    });
    stores = createStores({ api: fx.api, link: fx.link, transport: 'web', prefs, features: [] });
    await fx.open();
    await until('info', () => stores!.app.getState().info?.version === '0.1.1');
    expect(stores.connection.getState().connection.status).toBe('open');

    await fx.lose({ stayDown: true });
    expect(stores.connection.getState().connection.status).toBe('reconnecting');
    await fx.restore();
    await until('info again', () => stores!.app.getState().info?.version === '0.1.2');
    expect(stores.connection.getState().connection.status).toBe('open');
    // The streams this test does not fake (settings, secrets, ssh) ended with UNSUPPORTED: on the one shared queue.
    expect(stores.toasts.getState().queue.map((t) => t.kind === 'error' && t.action).sort()).toEqual(['loadSecrets', 'watchHostKeys', 'watchSettings']);
  });
});
