import { useEffect, useRef } from 'react';
import { PAGES, type PageId } from './pages';

export interface ShortcutActions {
  navigate(page: PageId): void;
  openHelp(): void;
  toggleTheme(): void;
  toggleLanguage(): void;
}

/** For the help dialog: each shortcut's alternative key combinations and what it does. */
export type ShortcutDescription =
  | { readonly keys: readonly (readonly string[])[]; readonly action: 'goTo'; readonly page: PageId }
  | { readonly keys: readonly (readonly string[])[]; readonly action: 'settings' | 'help' | 'close' | 'toggleTheme' | 'toggleLanguage' };

export const SHORTCUTS: readonly ShortcutDescription[] = [
  ...PAGES.filter((p) => p.digit !== undefined).map((p) => ({ keys: [['Alt', String(p.digit)]], action: 'goTo' as const, page: p.id })),
  { keys: [['Ctrl', ',']], action: 'settings' },
  { keys: [['Ctrl', 'K'], ['?']], action: 'help' },
  { keys: [['Alt', 'T']], action: 'toggleTheme' },
  { keys: [['Alt', 'L']], action: 'toggleLanguage' },
  { keys: [['Esc']], action: 'close' },
];

const NON_TEXT_INPUTS = new Set(['radio', 'checkbox', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image']);

/** Text fields keep their keys, except Ctrl combinations. Regions marked data-shortcuts="off" (a terminal) keep all. */
function typingTarget(target: EventTarget | null): { typing: boolean; off: boolean } {
  if (!(target instanceof Element)) return { typing: false, off: false };
  const off = target.closest('[data-shortcuts="off"]') !== null;
  const typing =
    (target instanceof HTMLInputElement && !NON_TEXT_INPUTS.has(target.type)) ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    (target instanceof HTMLElement && target.isContentEditable);
  return { typing, off };
}

/**
 * The global keyboard shortcuts. Keys are matched by physical code (Alt+1 works on every layout
 * and on macOS, where Alt+digit types a symbol), and never during IME composition.
 */
export function useShortcuts(actions: ShortcutActions): void {
  const ref = useRef(actions);
  useEffect(() => {
    ref.current = actions;
  });
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.isComposing || e.defaultPrevented || e.repeat) return;
      const { typing, off } = typingTarget(e.target);
      const a = ref.current;
      const ctrl = e.ctrlKey || e.metaKey;
      // The one key a terminal gives up: Alt+1…9 switches pages from everywhere (README, Keyboard).
      if (off) {
        const page = e.altKey && !ctrl && !e.shiftKey && /^Digit[1-9]$/.test(e.code) ? PAGES.find((p) => p.digit === Number(e.code.slice(5))) : undefined;
        if (page) {
          a.navigate(page.id);
          e.preventDefault();
        }
        return;
      }
      let handled = true;
      if (ctrl && !e.altKey && !e.shiftKey && e.code === 'Comma') a.navigate('settings');
      else if (ctrl && !e.altKey && !e.shiftKey && e.code === 'KeyK') a.openHelp();
      else if (typing) handled = false;
      else if (e.altKey && !ctrl && !e.shiftKey && /^Digit[1-9]$/.test(e.code)) {
        const page = PAGES.find((p) => p.digit === Number(e.code.slice(5)));
        if (page) a.navigate(page.id);
        else handled = false;
      } else if (e.altKey && !ctrl && !e.shiftKey && e.code === 'KeyT') a.toggleTheme();
      else if (e.altKey && !ctrl && !e.shiftKey && e.code === 'KeyL') a.toggleLanguage();
      else if (e.key === '?' && !ctrl && !e.altKey) a.openHelp();
      else handled = false;
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
