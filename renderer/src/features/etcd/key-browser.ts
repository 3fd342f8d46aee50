import type { KeyEntry, TreeNode, WatchKeyItem } from '@contract/etcd';
import type { AppError } from '@contract/errors';
import { b64ToBytes, bytesToB64, compareBytes, displayBytes, startsWithBytes } from './etcd-bytes';

/**
 * The key browser's model, as pure functions: tree levels loaded page by page, the flat list of a
 * prefix search, and the live changes of the watched prefix laid over both. A page read at
 * revision R shows the truth once every change with a revision > R is applied to it; changes at
 * or below R are already in the page. The rows of the (virtualized) list are the flattened tree.
 */

/** One loaded level of the tree: the children of `parent` (base64; '' is the root). */
export interface Level {
  readonly parent: string;
  readonly nodes: readonly TreeNode[];
  readonly cursor: string | null;
  readonly more: boolean;
  /** The revision the pages were read at. */
  readonly revision: number;
  readonly loading: boolean;
  readonly error: AppError | null;
}

/** The flat list of a prefix search. */
export interface KeyList {
  readonly prefix: string;
  readonly entries: readonly KeyEntry[];
  readonly cursor: string | null;
  readonly more: boolean;
  readonly revision: number;
  readonly loading: boolean;
  readonly error: AppError | null;
}

/** Keys under a directory, and the revision that count was read at. */
export interface DirCount {
  readonly count: number;
  readonly revision: number;
}

/** A live change, decoded once. */
export interface Change {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly item: WatchKeyItem;
}

export type Row =
  | {
      readonly kind: 'node';
      readonly id: string;
      readonly depth: number;
      readonly node: TreeNode;
      readonly parent: string;
      readonly expanded?: boolean;
      readonly count?: number;
      readonly changedRevision?: number;
    }
  | { readonly kind: 'key'; readonly id: string; readonly depth: 0; readonly entry: KeyEntry; readonly changedRevision?: number }
  | { readonly kind: 'loading'; readonly id: string; readonly depth: number; readonly parent: string }
  | { readonly kind: 'more'; readonly id: string; readonly depth: number; readonly parent: string; readonly loading: boolean }
  | { readonly kind: 'error'; readonly id: string; readonly depth: number; readonly parent: string; readonly error: AppError }
  | { readonly kind: 'empty'; readonly id: string; readonly depth: number; readonly parent: string };

const SLASH = 0x2f;
const bytesCache = new Map<string, Uint8Array>();

/** Decoded bytes of a base64 key, cached (the same keys are compared over and over). */
export function keyBytes(b64: string): Uint8Array {
  let b = bytesCache.get(b64);
  if (!b) {
    if (bytesCache.size > 200_000) bytesCache.clear();
    b = b64ToBytes(b64);
    bytesCache.set(b64, b);
  }
  return b;
}

export function toChanges(keys: Readonly<Record<string, WatchKeyItem>>): Change[] {
  return Object.entries(keys).map(([key, item]) => ({ key, bytes: keyBytes(key), item }));
}

function findIndex(nodes: readonly TreeNode[], bytes: Uint8Array): { found: boolean; index: number } {
  let lo = 0;
  let hi = nodes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = compareBytes(keyBytes(nodes[mid]!.prefix), bytes);
    if (c === 0) return { found: true, index: mid };
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return { found: false, index: lo };
}

/** Whether a new key at `bytes` falls inside what the level (or list) has loaded so far. */
function inLoadedRange(more: boolean, lastBytes: Uint8Array | undefined, bytes: Uint8Array): boolean {
  return !more || (lastBytes !== undefined && compareBytes(bytes, lastBytes) < 0);
}

export interface MergedLevel {
  readonly nodes: readonly TreeNode[];
  /** Node prefix → the revision of the latest change at or under it (for the "just changed" mark). */
  readonly changed: ReadonlyMap<string, number>;
}

/** The level's nodes with the live changes laid over them; directories counted empty after a delete are hidden. */
export function mergeLevel(level: Level, changes: readonly Change[], counts: Readonly<Record<string, DirCount>>): MergedLevel {
  const parentBytes = keyBytes(level.parent);
  let nodes: TreeNode[] | undefined;
  const changed = new Map<string, number>();
  const latestUnder = new Map<string, number>();
  const last = level.nodes.length ? keyBytes(level.nodes[level.nodes.length - 1]!.prefix) : undefined;
  for (const c of changes) {
    if (c.item.revision <= level.revision || !startsWithBytes(c.bytes, parentBytes)) continue;
    const rest = c.bytes.subarray(parentBytes.length);
    const slash = rest.indexOf(SLASH);
    const list = (nodes ??= [...level.nodes]);
    if (slash < 0) {
      changed.set(c.key, Math.max(changed.get(c.key) ?? 0, c.item.revision));
      const at = findIndex(list, c.bytes);
      if (c.item.type === 'delete') {
        if (at.found) list.splice(at.index, 1);
      } else {
        const entry = { ...c.item.entry, valueSize: null };
        if (at.found) list[at.index] = { ...list[at.index]!, entry };
        else if (inLoadedRange(level.more, last, c.bytes)) {
          list.splice(at.index, 0, { segment: displayBytes(rest), prefix: c.key, prefixDisplay: c.item.entry.keyDisplay, isLeaf: true, childCount: null, entry });
        }
      }
    } else {
      const dirBytes = c.bytes.subarray(0, parentBytes.length + slash + 1);
      const dir = bytesToB64(dirBytes);
      changed.set(dir, Math.max(changed.get(dir) ?? 0, c.item.revision));
      latestUnder.set(dir, Math.max(latestUnder.get(dir) ?? 0, c.item.revision));
      if (c.item.type === 'put') {
        const at = findIndex(list, dirBytes);
        if (!at.found && inLoadedRange(level.more, last, dirBytes)) {
          list.splice(at.index, 0, { segment: displayBytes(rest.subarray(0, slash)), prefix: dir, prefixDisplay: displayBytes(dirBytes), isLeaf: false, childCount: null });
        }
      }
    }
  }
  // A directory whose keys were all deleted: a count of 0 at or after its latest change hides it.
  let out: readonly TreeNode[] = nodes ?? level.nodes;
  const hidden = (n: TreeNode) => {
    if (n.isLeaf) return false;
    const c = counts[n.prefix];
    return c !== undefined && c.count === 0 && c.revision >= Math.max(level.revision, latestUnder.get(n.prefix) ?? 0);
  };
  if (out.some(hidden)) out = out.filter((n) => !hidden(n));
  return { nodes: out, changed };
}

/** The list's entries with the live changes laid over them. */
export function mergeList(list: KeyList, changes: readonly Change[]): { entries: readonly KeyEntry[]; changed: ReadonlyMap<string, number> } {
  const prefix = keyBytes(list.prefix);
  let entries: KeyEntry[] | undefined;
  const changed = new Map<string, number>();
  const last = list.entries.length ? keyBytes(list.entries[list.entries.length - 1]!.key) : undefined;
  for (const c of changes) {
    if (c.item.revision <= list.revision || !startsWithBytes(c.bytes, prefix)) continue;
    const arr = (entries ??= [...list.entries]);
    changed.set(c.key, c.item.revision);
    let lo = 0;
    let hi = arr.length;
    let found = -1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const cmp = compareBytes(keyBytes(arr[mid]!.key), c.bytes);
      if (cmp === 0) {
        found = mid;
        break;
      }
      if (cmp < 0) lo = mid + 1;
      else hi = mid;
    }
    if (c.item.type === 'delete') {
      if (found >= 0) arr.splice(found, 1);
    } else if (found >= 0) arr[found] = { ...c.item.entry, valueSize: null };
    else if (inLoadedRange(list.more, last, c.bytes)) arr.splice(lo, 0, { ...c.item.entry, valueSize: null });
  }
  return { entries: entries ?? list.entries, changed };
}

/** The rows of the tree: each level's merged nodes, expanded directories' levels below them. */
export function flattenTree(
  root: string,
  levels: Readonly<Record<string, Level>>,
  expanded: Readonly<Record<string, boolean>>,
  changes: readonly Change[],
  counts: Readonly<Record<string, DirCount>>,
): Row[] {
  const rows: Row[] = [];
  const walk = (parent: string, depth: number) => {
    const level = levels[parent];
    if (!level || (level.loading && level.nodes.length === 0 && !level.error)) {
      rows.push({ kind: 'loading', id: `loading:${parent}`, depth, parent });
      return;
    }
    const merged = mergeLevel(level, changes, counts);
    for (const node of merged.nodes) {
      const count = node.isLeaf ? undefined : counts[node.prefix]?.count;
      const changedRevision = merged.changed.get(node.prefix);
      const open = !node.isLeaf && Boolean(expanded[node.prefix]);
      rows.push({ kind: 'node', id: node.prefix, depth, node, parent, ...(open ? { expanded: true } : {}), ...(count !== undefined ? { count } : {}), ...(changedRevision !== undefined ? { changedRevision } : {}) });
      if (open) walk(node.prefix, depth + 1);
    }
    if (level.error) rows.push({ kind: 'error', id: `error:${parent}`, depth, parent, error: level.error });
    else if (level.more) rows.push({ kind: 'more', id: `more:${parent}`, depth, parent, loading: level.loading });
    else if (merged.nodes.length === 0) rows.push({ kind: 'empty', id: `empty:${parent}`, depth, parent });
  };
  walk(root, 0);
  return rows;
}

export function flattenList(list: KeyList | null, changes: readonly Change[]): Row[] {
  if (!list) return [];
  const rows: Row[] = [];
  if (list.loading && list.entries.length === 0 && !list.error) return [{ kind: 'loading', id: 'loading:list', depth: 0, parent: list.prefix }];
  const merged = mergeList(list, changes);
  for (const entry of merged.entries) {
    const changedRevision = merged.changed.get(entry.key);
    rows.push({ kind: 'key', id: entry.key, depth: 0, entry, ...(changedRevision !== undefined ? { changedRevision } : {}) });
  }
  if (list.error) rows.push({ kind: 'error', id: 'error:list', depth: 0, parent: list.prefix, error: list.error });
  else if (list.more) rows.push({ kind: 'more', id: 'more:list', depth: 0, parent: list.prefix, loading: list.loading });
  else if (merged.entries.length === 0) rows.push({ kind: 'empty', id: 'empty:list', depth: 0, parent: list.prefix });
  return rows;
}

/** The directory prefixes (base64) from the root down to the one holding `key` ('a/b/c' → '', 'a/', 'a/b/'). */
export function ancestorsOf(key: Uint8Array, root: Uint8Array): string[] {
  const out: string[] = [bytesToB64(root)];
  for (let i = root.length; i < key.length - 1; i++) if (key[i] === SLASH) out.push(bytesToB64(key.subarray(0, i + 1)));
  return out;
}

/** What a segment is called in the tree ('' before a leading '/' shows as '/'). */
export function segmentLabel(node: TreeNode): string {
  if (node.isLeaf) return node.segment === '' ? '(empty)' : node.segment;
  return node.segment === '' ? '/' : `${node.segment}/`;
}

/**
 * The new rows, reusing the previous row object wherever nothing in it changed, so a memoized row
 * component re-renders only the rows that did (a 100,000-row list is rebuilt on every page and change).
 */
export function reuseRows(prev: readonly Row[], next: Row[]): Row[] {
  if (prev.length === 0) return next;
  let byId: Map<string, Row> | undefined;
  for (let i = 0; i < next.length; i++) {
    const n = next[i]!;
    // Usually the rows are where they were (a page appended, one key changed): compare in place first.
    let o: Row | undefined = prev[i];
    if (!o || o.id !== n.id) {
      if (!byId) {
        byId = new Map();
        for (const r of prev) byId.set(r.id, r);
      }
      o = byId.get(n.id);
    }
    if (o && sameRow(o, n)) next[i] = o;
  }
  return next;
}

function sameRow(a: Row, b: Row): boolean {
  if (a.kind !== b.kind || a.depth !== b.depth) return false;
  switch (a.kind) {
    case 'node': {
      const o = b as typeof a;
      return a.node === o.node && a.parent === o.parent && a.expanded === o.expanded && a.count === o.count && a.changedRevision === o.changedRevision;
    }
    case 'key': {
      const o = b as typeof a;
      return a.entry === o.entry && a.changedRevision === o.changedRevision;
    }
    case 'more':
      return a.parent === (b as typeof a).parent && a.loading === (b as typeof a).loading;
    case 'error':
      return a.parent === (b as typeof a).parent && a.error === (b as typeof a).error;
    default:
      return a.parent === (b as typeof a).parent;
  }
}
