/**
 * The question Electron asks when the window is closed (or reloaded) while terminal sessions run.
 *
 * In Electron a page's beforeunload that cancels (renderer/src/features/terminal/terminal-store.ts
 * does while a session runs) stops the close silently; the main process gets `will-prevent-unload`
 * and decides: main.ts shows this native dialog and lets the window go when the user says so.
 * Quitting ends every session (the services are disposed); a reload keeps them (the page takes
 * them back).
 */
export interface UnloadPrompt {
  readonly title: string;
  readonly message: string;
  readonly detail: string;
  /** [leave, stay]: leave is index 0, stay (the default and Esc) index 1. */
  readonly buttons: readonly [string, string];
}

export function unloadPrompt(locale: string): UnloadPrompt {
  if (locale.toLowerCase().startsWith('zh')) {
    return {
      title: 'Drover',
      message: '终端会话仍在运行',
      detail: '关闭窗口会结束这些会话及其中运行的程序。重新加载页面则会保留它们。',
      buttons: ['关闭', '取消'],
    };
  }
  return {
    title: 'Drover',
    message: 'Terminal sessions are still running',
    detail: 'Closing the window ends them and whatever runs in them. Reloading keeps them.',
    buttons: ['Close', 'Cancel'],
  };
}
