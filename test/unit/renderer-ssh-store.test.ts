import { afterEach, describe, expect, it } from 'vitest';
import type { Sink } from '../../main/contract/define';
import { AppError } from '../../main/contract/errors';
import { toDisposable } from '../../main/contract/lifecycle';
import type { HostKeyPrompt } from '../../main/contract/ssh';
import { createSshStore, selectAnswering, selectDeferredPrompts, selectHostKeyPrompts, type SshStore } from '../../renderer/src/stores/ssh-store';
import { createToastStore, type ToastStore } from '../../renderer/src/stores/toast-store';
import { RendererLink, settle, until } from '../support/renderer-link';

type PromptEvent = { kind: 'prompt'; prompt: HostKeyPrompt } | { kind: 'resolved'; id: string; trusted: boolean };

const prompt = (id: string, host = `${id}.lan`): HostKeyPrompt => ({
  id,
  host,
  port: 22,
  keyType: 'ssh-ed25519',
  fingerprintSha256: `SHA256:${id}`,
  reason: 'unknown',
  expiresAtMs: 9_999_999_999_999,
});

/** The host key prompt service: pending prompts first on every subscription, then changes. */
function fakeHostKeys() {
  const sinks = new Set<Sink<PromptEvent>>();
  const state = { pending: [] as HostKeyPrompt[], answers: [] as { id: string; trust: boolean }[], answerError: null as AppError | null, gate: null as Promise<void> | null };
  const emit = (e: PromptEvent) => {
    for (const s of sinks) s.next(e);
  };
  const impl = {
    hostKeyPrompts: (_input: null, sink: Sink<PromptEvent>) => {
      sinks.add(sink);
      for (const p of state.pending) sink.next({ kind: 'prompt', prompt: p });
      return toDisposable(() => sinks.delete(sink));
    },
    answerHostKey: async ({ id, trust }: { id: string; trust: boolean }) => {
      if (state.gate) await state.gate;
      if (state.answerError) throw state.answerError;
      if (!state.pending.some((p) => p.id === id)) throw new AppError('NOT_FOUND', 'that host key question is gone');
      state.answers.push({ id, trust });
      state.pending = state.pending.filter((p) => p.id !== id);
      emit({ kind: 'resolved', id, trusted: trust });
      return null;
    },
  };
  const ask = (p: HostKeyPrompt) => {
    state.pending.push(p);
    emit({ kind: 'prompt', prompt: p });
  };
  /** Expired, or answered in another window. */
  const resolveElsewhere = (id: string) => {
    state.pending = state.pending.filter((p) => p.id !== id);
    emit({ kind: 'resolved', id, trusted: false });
  };
  return { state, impl, ask, resolveElsewhere, emit, subscribers: () => sinks.size };
}

describe('ssh store (host key prompts)', () => {
  let fx: RendererLink;
  let toasts: ToastStore;
  let store: SshStore | undefined;
  afterEach(() => {
    store?.dispose();
    fx?.dispose();
  });

  async function setup(keys = fakeHostKeys()) {
    fx = new RendererLink({ ssh: keys.impl });
    toasts = createToastStore();
    store = createSshStore({ api: fx.api, toasts, link: fx.link });
    await fx.open();
    await until('subscribed', () => keys.subscribers() === 1);
    return { keys, store };
  }

  const ids = (s: SshStore) => selectHostKeyPrompts(s.getState()).map((p) => p.id);

  it('lists prompts oldest first, once each, and drops resolved ones', async () => {
    const keys = fakeHostKeys();
    keys.state.pending = [prompt('a')];
    const { store } = await setup(keys);
    await until('a', () => ids(store).length === 1);
    keys.ask(prompt('b'));
    keys.emit({ kind: 'prompt', prompt: prompt('b') }); // a duplicate event
    await until('b', () => ids(store).length === 2);
    await settle();
    expect(ids(store)).toEqual(['a', 'b']);
    keys.resolveElsewhere('a');
    await until('a resolved', () => ids(store).length === 1);
    expect(ids(store)).toEqual(['b']);
  });

  it('answers a prompt (trust or refuse) and then forgets it', async () => {
    const keys = fakeHostKeys();
    keys.state.pending = [prompt('a'), prompt('b')];
    const { store } = await setup(keys);
    await until('prompts', () => ids(store).length === 2);
    await store.getState().answer('a', true);
    await store.getState().answer('b', false);
    expect(keys.state.answers).toEqual([
      { id: 'a', trust: true },
      { id: 'b', trust: false },
    ]);
    expect(ids(store)).toEqual([]);
    expect(selectAnswering(store.getState())).toBeNull();
    expect(toasts.getState().queue).toEqual([]);
  });

  it('a question gone meanwhile is dropped and said so; another failure keeps it', async () => {
    const keys = fakeHostKeys();
    keys.state.pending = [prompt('a'), prompt('b')];
    const { store } = await setup(keys);
    await until('prompts', () => ids(store).length === 2);
    keys.state.pending = keys.state.pending.filter((p) => p.id !== 'a'); // expired, the event not seen yet
    await store.getState().answer('a', true);
    expect(ids(store)).toEqual(['b']);
    expect(toasts.getState().queue.at(-1)).toMatchObject({ code: 'NOT_FOUND', action: 'answerHostKey' });

    keys.state.answerError = new AppError('PERMISSION_DENIED', 'known_hosts is read-only');
    await store.getState().answer('b', true);
    expect(ids(store)).toEqual(['b']);
    expect(toasts.getState().queue.at(-1)).toMatchObject({ code: 'PERMISSION_DENIED', action: 'answerHostKey' });
  });

  it('answers one at a time', async () => {
    const keys = fakeHostKeys();
    keys.state.pending = [prompt('a'), prompt('b')];
    let release!: () => void;
    keys.state.gate = new Promise((resolve) => (release = resolve));
    const { store } = await setup(keys);
    await until('prompts', () => ids(store).length === 2);
    const first = store.getState().answer('a', true);
    expect(store.getState().answering).toBe('a');
    await store.getState().answer('b', true); // ignored while a is being answered
    release();
    await first;
    expect(keys.state.answers).toEqual([{ id: 'a', trust: true }]);
    expect(ids(store)).toEqual(['b']);
  });

  it('defers and reopens prompts', async () => {
    const keys = fakeHostKeys();
    keys.state.pending = [prompt('a'), prompt('b'), prompt('c')];
    const { store } = await setup(keys);
    await until('prompts', () => ids(store).length === 3);
    store.getState().defer('a');
    store.getState().defer('a');
    store.getState().defer('b');
    expect(selectDeferredPrompts(store.getState())).toEqual(['a', 'b']);
    store.getState().reopen('a');
    expect(store.getState().deferred).toEqual(['b']);
    store.getState().defer('c');
    store.getState().reopen();
    expect(store.getState().deferred).toEqual([]);
    // A resolved prompt leaves the deferred list too.
    store.getState().defer('c');
    keys.resolveElsewhere('c');
    await until('c gone', () => ids(store).length === 2);
    expect(store.getState().deferred).toEqual([]);
  });

  it('after a lost and restored link it shows exactly the prompts still pending (the stream sends them again)', async () => {
    const keys = fakeHostKeys();
    keys.state.pending = [prompt('a'), prompt('b')];
    const { store } = await setup(keys);
    await until('prompts', () => ids(store).length === 2);
    store.getState().defer('b');

    await fx.lose({ stayDown: true });
    // While the page was cut off: a expired, c was asked.
    keys.state.pending = [prompt('b'), prompt('c')];
    expect(ids(store)).toEqual(['a', 'b']); // what it knew stays until the link is back
    await fx.restore();
    await until('fresh prompts', () => ids(store).join() === 'b,c');
    expect(store.getState().deferred).toEqual([]);
    expect(keys.subscribers()).toBe(1);
  });

  it('disposing ends the subscription and stops following the link', async () => {
    const { keys, store } = await setup();
    store.dispose();
    await settle();
    expect(keys.subscribers()).toBe(0);
  });
});
