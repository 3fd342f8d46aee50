import type { PageDef, RendererFeature } from './feature';
import { FEATURES, type PageId } from './features';

export type { PageId } from './features';

export interface Page extends PageDef {
  readonly id: PageId;
}

/** The navigation, in menu order: every feature that has a page. Labels are "nav.<id>". */
export const PAGES: readonly Page[] = (FEATURES as readonly RendererFeature[]).flatMap((f) => (f.page ? [{ id: f.id as PageId, ...f.page }] : []));

export const DEFAULT_PAGE: PageId = 'tunnels';

export function isPageId(value: string): value is PageId {
  return PAGES.some((p) => p.id === value);
}

export function pageById(id: PageId): Page {
  return PAGES.find((p) => p.id === id) ?? PAGES[0]!;
}
