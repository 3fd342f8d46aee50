import type { AppApi } from '@contract/index';
import type { TFunction } from 'i18next';
import type { ComponentType, ReactNode } from 'react';
import type { ReconnectingConnection } from '../api/reconnecting-connection';
import type { ConnectionStore } from '../stores/connection-store';
import type { ToastStore } from '../stores/toast-store';

/**
 * A renderer feature, registered once in app/features.ts: its page (icon, Alt+digit, its own
 * keys), its stores and its strings. Strings are deep-merged into the one translation at start,
 * so a feature may add its own "nav.<id>", "actions.<x>" and "<id>.*" keys.
 */

/** A page's own key: its alternative key combinations and what it does, in the UI language. */
export interface PageShortcut {
  readonly keys: readonly (readonly string[])[];
  readonly describe: (t: TFunction) => string;
}

export interface PageDef {
  readonly icon: ReactNode;
  readonly component: ComponentType;
  /** Alt+<digit> opens it. */
  readonly digit?: number;
  /** Keys that work on this page only; the shortcut help lists them under the page's name. */
  readonly shortcuts?: readonly PageShortcut[];
}

/** What a store factory gets: the api, the shared stores, and any other feature's store. */
export interface StoreDeps {
  readonly api: AppApi;
  readonly link: ReconnectingConnection;
  readonly toasts: ToastStore;
  readonly connection: ConnectionStore;
  get<S extends FeatureStore>(key: StoreKey<S>): S;
}

export interface FeatureStore {
  dispose(): void;
}

/** Names a feature store: components find it with useFeatureStore(key), other stores with deps.get(key). */
export interface StoreKey<S extends FeatureStore> {
  readonly id: string;
  create(deps: StoreDeps): S;
}

export function storeKey<S extends FeatureStore>(id: string, create: (deps: StoreDeps) => S): StoreKey<S> {
  return { id, create };
}

type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };

export interface RendererFeature<Id extends string = string, Strings extends object = object> {
  readonly id: Id;
  readonly page?: PageDef;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- stores of any shape
  readonly stores?: readonly StoreKey<any>[];
  /** English, and Simplified Chinese with exactly the same keys (checked by the compiler). */
  readonly strings: { readonly en: Strings; readonly 'zh-CN': Widen<Strings> };
}

export function defineFeature<const Id extends string, Strings extends object>(feature: RendererFeature<Id, Strings>): RendererFeature<Id, Strings> {
  return feature;
}
