import type { MinerAlert, MinerJob, MinerLiveItem, MinerLiveJob, MinerLiveWorker, MinerOverview, MinerProblem, MinerSnapshot } from '@contract/miners';
import type { SourceHealth } from '@contract/live';
import { createContext, useContext } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useStoreSelect } from './use-store-select';

/** What a panel knows about its live source (for <LiveStatus>). */
export interface LiveView {
  readonly connected: boolean;
  /** Connected, and a snapshot arrived since: values are current and actions may be taken. */
  readonly fresh: boolean;
  readonly health: SourceHealth | undefined;
  readonly clockOffsetMs: number;
  readonly updatedAtMs: number | undefined;
}

export const NO_LIVE: LiveView = { connected: false, fresh: false, health: undefined, clockOffsetMs: 0, updatedAtMs: undefined };

/**
 * One miner (one session) as its panels read it: the overview, workers, jobs and alerts with
 * identity kept for what did not change (so a row re-renders only when it changed), when each
 * row last changed, and the source's health.
 */
export interface MinerViewState {
  readonly sessionId: string;
  readonly loaded: boolean;
  readonly live: LiveView;
  /** The session as the stream shows it (name, where, access, health), undefined once removed. */
  readonly item: MinerLiveItem | undefined;
  readonly overview: MinerOverview | undefined;
  readonly source: MinerSnapshot['source'] | undefined;
  readonly problems: readonly MinerProblem[];
  /** Keyed `${sessionId}/${workerId}`, as on the stream. */
  readonly workers: Readonly<Record<string, MinerLiveWorker>>;
  /** Keyed `${sessionId}/${jobKey}`. */
  readonly jobs: Readonly<Record<string, MinerLiveJob>>;
  readonly alerts: Readonly<Record<string, MinerAlert>>;
  /** Local time each key last changed, per collection (for the "changed just now" highlight). */
  readonly changedAtMs: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Current data of a live source: actions may be taken (connected, fresh, source live). */
  readonly actionable: boolean;
}

export type MinerViewStore = StoreApi<MinerViewState>;

export const MinerViewContext = createContext<MinerViewStore | null>(null);

export function useMinerViewStore(): MinerViewStore {
  const store = useContext(MinerViewContext);
  if (!store) throw new Error('useMinerView outside a MinerViewContext');
  return store;
}

/** Reads the current miner's view through a selector (`key` names a row; `equal` may ignore clock-only changes). */
export function useMinerView<T>(selector: (s: MinerViewState) => T, key = '', equal?: (a: T, b: T) => boolean): T {
  return useStoreSelect(useMinerViewStore(), key, selector, equal);
}

/**
 * Whether a job row looks the same: equal by identity, or differing only in the running time the
 * source re-read (the row computes that from the start time and the clock itself).
 */
export function sameJobRow(a: MinerJob | undefined, b: MinerJob | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  if (a.startMs === undefined || a.startMs !== b.startMs) return false;
  const ka = Object.keys(a).filter((k) => k !== 'runningMs' && k !== 'timeText');
  const kb = Object.keys(b).filter((k) => k !== 'runningMs' && k !== 'timeText');
  if (ka.length !== kb.length) return false;
  for (const k of ka) if ((a as Record<string, unknown>)[k] !== (b as Record<string, unknown>)[k]) return false;
  return true;
}

/** How long a change stays "just now" (the highlight's fade). */
export const FLASH_MS = 2000;

/**
 * When a row changed, if that was within FLASH_MS of the latest update (0 otherwise). A row
 * drawn later (scrolled into view) does not light up for an old change.
 */
export function recentChange(s: MinerViewState, collection: string, key: string): number {
  const at = s.changedAtMs[collection]?.[key];
  const ref = s.live.updatedAtMs;
  return at !== undefined && ref !== undefined && ref - at < FLASH_MS ? at : 0;
}

/** A highlight that ended does not re-render its row (the fade is over anyway); a new change does. */
export function keepFlash(a: number, b: number): boolean {
  return a === b || b === 0;
}
