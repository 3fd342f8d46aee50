/**
 * The terminal area split into two panes, side by side, each with its own tabs: pure reducers over
 * the tab keys (the store holds the result). Tabs not in `right` are in the left pane; the left
 * pane's front tab is the store's activeKey, the right one's is rightKey; `focus` is the pane the
 * keyboard and the toolbar act on.
 */

export type PaneSide = 'left' | 'right';

export interface Panes {
  readonly split: boolean;
  readonly right: readonly string[];
  readonly rightKey: string | null;
  readonly focus: PaneSide;
}

export interface PaneView {
  readonly panes: Panes;
  /** The left pane's front tab. */
  readonly activeKey: string | null;
}

export const ONE_PANE: Panes = { split: false, right: [], rightKey: null, focus: 'left' };

export function sideOf(p: Panes, key: string): PaneSide {
  return p.right.includes(key) ? 'right' : 'left';
}

export function keysOf(keys: readonly string[], p: Panes, side: PaneSide): string[] {
  return keys.filter((k) => sideOf(p, k) === side);
}

/** The tab the keyboard and the toolbar act on. */
export function focusedKey(activeKey: string | null, p: Panes): string | null {
  return p.split && p.focus === 'right' ? p.rightKey : activeKey;
}

/** The neighbour a pane shows when its front tab leaves it. */
function neighbour(list: readonly string[], key: string): string | null {
  const i = list.indexOf(key);
  const rest = list.filter((k) => k !== key);
  return rest[Math.min(Math.max(i, 0), rest.length - 1)] ?? null;
}

/** Splits: the newest tab other than the front one moves to the right pane (none when there is one tab). */
export function splitOn(keys: readonly string[], activeKey: string | null): PaneView {
  const moving = [...keys].reverse().find((k) => k !== activeKey) ?? null;
  return {
    panes: { split: true, right: moving ? [moving] : [], rightKey: moving, focus: moving ? 'right' : 'left' },
    activeKey,
  };
}

/** Back to one pane: every tab in it, the focused tab in front. */
export function splitOff(activeKey: string | null, p: Panes): PaneView {
  return { panes: ONE_PANE, activeKey: focusedKey(activeKey, p) ?? activeKey };
}

/** Moves a tab to the other pane (splitting first if needed) and focuses it there. */
export function moveToOther(keys: readonly string[], activeKey: string | null, p: Panes, key: string): PaneView {
  if (!keys.includes(key)) return { panes: p, activeKey };
  if (!p.split) p = { ...ONE_PANE, split: true };
  if (sideOf(p, key) === 'left') {
    const left = keysOf(keys, p, 'left');
    return { panes: { split: true, right: [...p.right, key], rightKey: key, focus: 'right' }, activeKey: activeKey === key ? neighbour(left, key) : activeKey };
  }
  const right = p.right.filter((k) => k !== key);
  return { panes: { split: true, right, rightKey: p.rightKey === key ? neighbour(p.right, key) : p.rightKey, focus: 'left' }, activeKey: key };
}

/** A tab closed: its pane shows a neighbour; an emptied right pane gives the focus back. */
export function afterClose(keys: readonly string[], activeKey: string | null, p: Panes, key: string): PaneView {
  if (sideOf(p, key) === 'right') {
    const right = p.right.filter((k) => k !== key);
    const rightKey = p.rightKey === key ? neighbour(p.right, key) : p.rightKey;
    return { panes: { ...p, right, rightKey, focus: right.length ? p.focus : 'left' }, activeKey };
  }
  const left = keysOf(keys, p, 'left');
  return { panes: p, activeKey: activeKey === key ? neighbour(left, key) : activeKey };
}

/** A tab was brought to the front of its pane (a click on it): that pane takes the focus. */
export function activated(p: Panes, key: string): { panes: Panes; left: boolean } {
  if (sideOf(p, key) === 'right') return { panes: { ...p, rightKey: key, focus: 'right' }, left: false };
  return { panes: p.split ? { ...p, focus: 'left' } : p, left: true };
}

/** A new tab opens in the focused pane. */
export function opened(p: Panes, key: string): { panes: Panes; left: boolean } {
  if (p.split && p.focus === 'right') return { panes: { ...p, right: [...p.right, key], rightKey: key }, left: false };
  return { panes: p, left: true };
}

// ---- the layout across a reload ----
// Tab keys are new after a reload (the tabs are made again from the service's sessions), so the
// layout is kept by session id, in sessionStorage with the page's client id.

/** The split as session ids: what a reload needs to lay the same sessions out again. */
export interface SavedLayout {
  readonly split: boolean;
  readonly right: readonly string[];
  readonly rightFront: string | null;
  readonly leftFront: string | null;
  readonly focus: PaneSide;
}

/** The layout to keep; tabs without a session yet (still opening) are left out. */
export function layoutToSave(view: PaneView, sessionOf: (key: string) => string | null): SavedLayout {
  const { panes, activeKey } = view;
  const sid = (k: string | null) => (k === null ? null : sessionOf(k));
  return {
    split: panes.split,
    right: panes.right.flatMap((k) => sid(k) ?? []),
    rightFront: sid(panes.rightKey),
    leftFront: sid(activeKey),
    focus: panes.focus,
  };
}

const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200;

/** A stored layout, checked (it comes from storage: anything); null when it is not one. */
export function parseSavedLayout(v: unknown): SavedLayout | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (typeof o.split !== 'boolean' || !Array.isArray(o.right) || !o.right.every(isId)) return null;
  const idOrNull = (x: unknown) => (isId(x) ? x : null);
  return { split: o.split, right: o.right, rightFront: idOrNull(o.rightFront), leftFront: idOrNull(o.leftFront), focus: o.focus === 'right' ? 'right' : 'left' };
}

/**
 * The panes again for the tabs made from the sessions (keyOf: session id → the new tab's key).
 * Sessions that are gone are skipped; null when nothing of the split is left to restore.
 */
export function restoreLayout(saved: SavedLayout, keys: readonly string[], keyOf: ReadonlyMap<string, string>, activeKey: string | null): PaneView | null {
  const key = (sid: string | null) => (sid === null ? null : (keyOf.get(sid) ?? null));
  const right = saved.right.flatMap((sid) => key(sid) ?? []).filter((k) => keys.includes(k));
  const leftKeys = keys.filter((k) => !right.includes(k));
  const leftFront = key(saved.leftFront);
  const active = leftFront !== null && leftKeys.includes(leftFront) ? leftFront : activeKey !== null && leftKeys.includes(activeKey) ? activeKey : (leftKeys[leftKeys.length - 1] ?? null);
  if (!saved.split || right.length === 0) {
    if (leftFront === null || !keys.includes(leftFront)) return null;
    return { panes: ONE_PANE, activeKey: leftFront };
  }
  const rightFront = key(saved.rightFront);
  return {
    panes: { split: true, right, rightKey: rightFront !== null && right.includes(rightFront) ? rightFront : right[right.length - 1]!, focus: saved.focus === 'right' || active === null ? 'right' : 'left' },
    activeKey: active,
  };
}
