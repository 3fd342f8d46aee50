import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../main/contract/errors';
import type { ConnectionState } from '../../renderer/src/api/reconnecting-connection';
import {
  ATTEMPTS_BEFORE_DISCONNECTED,
  createConnectionStore,
  selectConnection,
  selectConnectionTone,
  selectIsOpen,
  selectTransport,
  type ConnectionStore,
  type ConnectionStoreState,
} from '../../renderer/src/stores/connection-store';
import { RendererLink, until } from '../support/renderer-link';

const cause = new AppError('UNAVAILABLE', 'connection lost: closed');
const withState = (connection: ConnectionState): ConnectionStoreState => ({ transport: 'web', connection, retryNow: () => undefined });

describe('connection store: selectors', () => {
  it('tells open, pending, warning and error apart', () => {
    expect(selectConnectionTone(withState({ status: 'open', sinceMs: 1 }))).toBe('ok');
    expect(selectConnectionTone(withState({ status: 'connecting' }))).toBe('pending');
    const reconnecting = (attempt: number) => withState({ status: 'reconnecting', attempt, nextRetryAtMs: 5, downSinceMs: 1, cause });
    expect(selectConnectionTone(reconnecting(1))).toBe('warning');
    expect(selectConnectionTone(reconnecting(ATTEMPTS_BEFORE_DISCONNECTED - 1))).toBe('warning');
    expect(selectConnectionTone(reconnecting(ATTEMPTS_BEFORE_DISCONNECTED))).toBe('error');
    expect(selectConnectionTone(withState({ status: 'closed', reason: 'unauthorized', cause }))).toBe('error');
    expect(selectConnectionTone(withState({ status: 'closed', reason: 'disposed' }))).toBe('error');
  });

  it('selects the state, the transport and whether calls go through', () => {
    const s = withState({ status: 'open', sinceMs: 7 });
    expect(selectConnection(s)).toEqual({ status: 'open', sinceMs: 7 });
    expect(selectTransport(s)).toBe('web');
    expect(selectIsOpen(s)).toBe(true);
    expect(selectIsOpen(withState({ status: 'connecting' }))).toBe(false);
  });
});

describe('connection store: following the link', () => {
  let fx: RendererLink;
  let store: ConnectionStore;

  afterEach(() => {
    store?.dispose();
    fx?.dispose();
  });

  it('mirrors connecting, open, a lost link with its cause and attempts, and the link restored', async () => {
    fx = new RendererLink({});
    store = createConnectionStore(fx.link, 'electron');
    expect(store.getState().connection).toEqual({ status: 'connecting' });
    expect(store.getState().transport).toBe('electron');

    await fx.open();
    expect(store.getState().connection).toEqual({ status: 'open', sinceMs: fx.clock.now() });
    expect(selectConnectionTone(store.getState())).toBe('ok');

    fx.server.refuse(new AppError('UNAVAILABLE', 'cannot reach the Drover web host'));
    await fx.lose();
    const down = store.getState().connection;
    expect(down).toMatchObject({ status: 'reconnecting', attempt: 1, downSinceMs: fx.clock.now() });
    expect(down.status === 'reconnecting' && down.cause.message).toMatch(/connection lost/);
    expect(selectConnectionTone(store.getState())).toBe('warning');

    // Every failed dial counts; after a few the indicator turns red.
    for (let i = 0; i < ATTEMPTS_BEFORE_DISCONNECTED; i++) await fx.clock.advance(6_000);
    const later = store.getState().connection;
    expect(later.status).toBe('reconnecting');
    expect(later.status === 'reconnecting' && later.attempt).toBeGreaterThanOrEqual(ATTEMPTS_BEFORE_DISCONNECTED);
    expect(later.status === 'reconnecting' && later.cause.message).toBe('cannot reach the Drover web host');
    expect(selectConnectionTone(store.getState())).toBe('error');

    fx.server.refuse(null);
    await fx.restore();
    expect(store.getState().connection.status).toBe('open');
    expect(selectIsOpen(store.getState())).toBe(true);
  });

  it('retryNow dials at once instead of waiting for the backoff', async () => {
    fx = new RendererLink({});
    store = createConnectionStore(fx.link, 'web');
    await fx.open();
    await fx.lose();
    const accepted = fx.server.accepted;
    store.getState().retryNow();
    await until('the link is open again', () => store.getState().connection.status === 'open');
    expect(fx.server.accepted).toBe(accepted + 1);
  });

  it('shows a refused login as closed (no automatic retry) until retryNow', async () => {
    fx = new RendererLink({});
    store = createConnectionStore(fx.link, 'web');
    await fx.open();
    fx.server.refuse(new AppError('UNAUTHENTICATED', 'the Drover web host refused this page’s credentials (HTTP 401)'));
    await fx.lose();
    await fx.clock.advance(1_000);
    await until('closed', () => store.getState().connection.status === 'closed');
    expect(store.getState().connection).toMatchObject({ status: 'closed', reason: 'unauthorized' });
    const accepted = fx.server.accepted;
    await fx.clock.advance(60_000);
    expect(fx.server.accepted).toBe(accepted);

    fx.server.refuse(null);
    store.getState().retryNow();
    await until('open again', () => store.getState().connection.status === 'open');
  });

  it('gives up when nothing has answered at the address for 15 s (a restarted console on another port), until retryNow', async () => {
    fx = new RendererLink({});
    store = createConnectionStore(fx.link, 'web');
    await fx.open();
    fx.server.refuse(new AppError('UNAVAILABLE', 'nothing answers at 127.0.0.1:1', { details: { reason: 'unreachable' } }));
    await fx.lose();
    for (let i = 0; i < 30 && store.getState().connection.status !== 'closed'; i++) {
      await fx.clock.advance(1_000);
      await until('dialed', () => true);
    }
    expect(store.getState().connection).toMatchObject({ status: 'closed', reason: 'gone' });
    expect(fx.clock.now()).toBeGreaterThanOrEqual(15_000);
    const accepted = fx.server.accepted;
    await fx.clock.advance(120_000);
    expect(fx.server.accepted).toBe(accepted);
    expect(selectConnectionTone(store.getState())).toBe('error');

    // Retry now dials again (the same address), and gets through once something answers.
    fx.server.refuse(null);
    store.getState().retryNow();
    await until('open again', () => store.getState().connection.status === 'open');
  });

  it('stops following the link once disposed', async () => {
    fx = new RendererLink({});
    store = createConnectionStore(fx.link, 'web');
    store.dispose();
    await fx.open();
    expect(store.getState().connection).toEqual({ status: 'connecting' });
  });
});
