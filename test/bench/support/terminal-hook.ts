// The page's terminal test hook (window.__droverTerminals, renderer/src/features/terminal/test-hook.ts)
// as the e2e test and the benchmark see it: importing this file declares the global's type.
export type { TerminalTabInfo, TerminalTestHook } from '../../../renderer/src/features/terminal/test-hook';
