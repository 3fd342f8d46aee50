import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../main/contract/errors';
import type { Notice } from '../../main/contract/system';
import { createToastStore, selectToastQueue, type ErrorToast } from '../../renderer/src/stores/toast-store';
import { RendererLink } from '../support/renderer-link';

const notice: Notice = { id: 'n1', level: 'warning', key: 'settings.keptAside', message: 'settings.json was kept aside' };

describe('toast store', () => {
  it('queues errors with their code, message, hint and action, in order', () => {
    const toasts = createToastStore();
    toasts.getState().reportError(new AppError('PORT_IN_USE', 'port 9092 is in use', { hint: 'Stop what listens there.' }), 'startTunnel');
    toasts.getState().reportError(new Error('boom'), 'unexpected');
    toasts.getState().reportError('plain text', 'unexpected');
    const q = selectToastQueue(toasts.getState()) as ErrorToast[];
    expect(q.map((t) => [t.kind, t.code, t.message, t.hint, t.action])).toEqual([
      ['error', 'PORT_IN_USE', 'port 9092 is in use', 'Stop what listens there.', 'startTunnel'],
      ['error', 'INTERNAL', 'boom', undefined, 'unexpected'],
      ['error', 'INTERNAL', 'plain text', undefined, 'unexpected'],
    ]);
    expect(q[0]!.id).toBeLessThan(q[1]!.id);
    expect(q[1]!.id).toBeLessThan(q[2]!.id);
  });

  it('never shows a cancellation the user asked for', () => {
    const toasts = createToastStore();
    toasts.getState().reportError(new AppError('CANCELLED', 'cancelled'), 'openTerminal');
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    toasts.getState().reportError(abort, 'openTerminal');
    expect(toasts.getState().queue).toEqual([]);
  });

  it('queues notices, and take() removes exactly the toast shown', () => {
    const toasts = createToastStore();
    toasts.getState().reportNotice(notice);
    toasts.getState().reportError(new AppError('NOT_FOUND', 'gone'), 'closeTerminal');
    const [first, second] = toasts.getState().queue;
    expect(first).toMatchObject({ kind: 'notice', notice });
    toasts.getState().take(first!.id);
    expect(toasts.getState().queue).toEqual([second]);
    toasts.getState().take(12345);
    expect(toasts.getState().queue).toEqual([second]);
  });

  describe('with the link lost and restored', () => {
    let fx: RendererLink | undefined;
    afterEach(() => fx?.dispose());

    it('an action on a lost link becomes one UNAVAILABLE toast; after the restore the same action succeeds without one', async () => {
      fx = new RendererLink({ system: { ping: ({ echo }) => ({ echo, serverTimeMs: 1 }) } }, { waitForOpenMs: 500 });
      const toasts = createToastStore();
      await fx.open();
      await fx.lose({ stayDown: true });

      const call = fx.api.system.ping({ echo: 'x' }).catch((err: unknown) => toasts.getState().reportError(err, 'ping'));
      await fx.clock.advance(500);
      await call;
      expect(toasts.getState().queue).toEqual([expect.objectContaining({ kind: 'error', code: 'UNAVAILABLE', action: 'ping', message: expect.stringMatching(/not connected to the Drover service/) })]);

      await fx.restore();
      await expect(fx.api.system.ping({ echo: 'y' })).resolves.toEqual({ echo: 'y', serverTimeMs: 1 });
      expect(toasts.getState().queue).toHaveLength(1);
    });
  });
});
