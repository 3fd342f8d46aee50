import { AppError, type ErrorCode } from '@contract/errors';
import type { Notice } from '@contract/system';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Messages } from '../i18n/messages';

/** What was being done when an error happened; a key under "actions." in the translations. */
export type ActionKey = keyof Messages['actions'];

export interface ErrorToast {
  readonly id: number;
  readonly kind: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  readonly hint: string | undefined;
  readonly action: ActionKey;
}

export interface NoticeToast {
  readonly id: number;
  readonly kind: 'notice';
  readonly notice: Notice;
}

export type Toast = ErrorToast | NoticeToast;

export interface ToastState {
  /** Waiting to be shown; the toaster takes them out as it shows them. */
  readonly queue: readonly Toast[];
  reportError(err: unknown, action: ActionKey): void;
  reportNotice(notice: Notice): void;
  take(id: number): void;
}

export type ToastStore = StoreApi<ToastState>;

/** Every error and notice the user must see goes through here: nothing fails silently. */
export function createToastStore(): ToastStore {
  let seq = 0;
  return createStore<ToastState>()((set) => ({
    queue: [],
    reportError(err, action) {
      const e = AppError.from(err);
      if (e.code === 'CANCELLED') return; // the user asked for it
      const toast: ErrorToast = { id: ++seq, kind: 'error', code: e.code, message: e.message, hint: e.hint, action };
      set((s) => ({ queue: [...s.queue, toast] }));
    },
    reportNotice(notice) {
      set((s) => ({ queue: [...s.queue, { id: ++seq, kind: 'notice', notice }] }));
    },
    take(id) {
      set((s) => ({ queue: s.queue.filter((t) => t.id !== id) }));
    },
  }));
}

export const selectToastQueue = (s: ToastState): readonly Toast[] => s.queue;
