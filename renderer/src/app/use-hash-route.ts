import { useCallback, useSyncExternalStore } from 'react';
import { DEFAULT_PAGE, isPageId, type PageId } from './pages';

/**
 * The current page lives in the URL hash (#/tunnels), so reloads and the back button work the
 * same under http:// and Electron's app://.
 */
function currentPage(): PageId {
  const id = window.location.hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return isPageId(id) ? id : DEFAULT_PAGE;
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

export function navigate(page: PageId): void {
  const hash = `#/${page}`;
  if (window.location.hash !== hash) window.location.hash = hash;
}

export function useHashRoute(): [PageId, (page: PageId) => void] {
  const page = useSyncExternalStore(subscribe, currentPage);
  return [page, useCallback((p: PageId) => navigate(p), [])];
}
