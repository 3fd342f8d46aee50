import { useStore } from 'zustand';
import { storeKey } from '../../app/feature';
import { useFeatureStore } from '../../stores/stores';
import { createTerminalStore, type TerminalState, type TerminalStore } from './terminal-store';
import { createXtermScreen } from './xterm-screen';

export const terminalStoreKey = storeKey<TerminalStore>('terminal', (deps) => createTerminalStore({ api: deps.api, toasts: deps.toasts, createScreen: createXtermScreen, link: deps.link }));

/** The terminal store itself (for its actions), and selectors into it. */
export const useTerminal = (): TerminalStore => useFeatureStore(terminalStoreKey);
export const useTerminalStore = <T,>(selector: (s: TerminalState) => T): T => useStore(useFeatureStore(terminalStoreKey), selector);
