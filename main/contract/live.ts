import { z } from 'zod';
import { ErrorDataSchema } from './errors';

/**
 * Live data: one shape for every page that shows something changing (tunnels, terminals, etcd
 * watches, miners, netboot timelines, domains, fleet probes).
 *
 * A live stream sends a full snapshot first, then diffs keyed by stable ids, each with a sequence
 * number and the source's timestamp; beside the data, the source's health. The data is a set of
 * named collections of items keyed by id: `{ workers: { "<uuid>": {...} }, jobs: { ... } }`.
 */

// ---- source health ----

export const SourceStateSchema = z.enum(['live', 'connecting', 'stale', 'down']);
export type SourceState = z.infer<typeof SourceStateSchema>;

/** A Drover tunnel a source goes through, when the tunnel is (or may be) why it is down. */
export const ViaTunnelSchema = z.object({
  tunnelId: z.string(),
  name: z.string(),
  state: z.string(),
  retryAtMs: z.number().optional(),
  error: ErrorDataSchema.optional(),
});
export type ViaTunnel = z.infer<typeof ViaTunnelSchema>;

export const SourceHealthSchema = z.object({
  /** live: fresh data; connecting: no data yet; stale: data older than expected; down: failing. */
  state: SourceStateSchema,
  /** Since when the source has been in this state. */
  sinceMs: z.number(),
  /** When the data shown was obtained from the source (its age). */
  dataAtMs: z.number().optional(),
  /** Why it is not live, with a hint. */
  cause: ErrorDataSchema.optional(),
  /** Set when the source reaches its server through a Drover tunnel. */
  via: ViaTunnelSchema.optional(),
  /** When the source tries again. */
  nextAttemptAtMs: z.number().optional(),
});
export type SourceHealth = z.infer<typeof SourceHealthSchema>;

// ---- data and diffs ----

/** Items of one collection, keyed by their stable id. */
export type Keyed<T> = Readonly<Record<string, T>>;
/** The whole live state of a stream: its named collections. */
export type LiveData = Readonly<Record<string, Keyed<object>>>;

/** What changed in one collection: new or replaced items, changed fields, removed fields and items. */
export interface CollectionChange<T = object> {
  /** Items that are new (whole). */
  put?: Record<string, T>;
  /** Changed top-level fields of existing items. */
  patch?: Record<string, Partial<T>>;
  /** Fields an existing item no longer has. */
  unset?: Record<string, string[]>;
  remove?: string[];
}

export type LiveChanges = Record<string, CollectionChange>;

export interface LiveSnapshot<D extends LiveData = LiveData> {
  t: 'snapshot';
  seq: number;
  /** The source's timestamp of this data. */
  atMs: number;
  /** The server's clock when it sent the frame (for the renderer's age display). */
  nowMs: number;
  health: SourceHealth;
  data: D;
}

export interface LiveDiff {
  t: 'diff';
  /** Always the previous frame's seq + 1; a gap means a frame was lost: ask for a snapshot. */
  seq: number;
  atMs: number;
  nowMs: number;
  /** Present when the health changed. */
  health?: SourceHealth;
  changes: LiveChanges;
}

export type LiveUpdate<D extends LiveData = LiveData> = LiveSnapshot<D> | LiveDiff;

type ItemSchemas = Record<string, z.ZodObject>;
type DataOf<S extends ItemSchemas> = { [K in keyof S]: Keyed<z.output<S[K]>> };

/** An item schema whose top-level fields are all optional and never filled with defaults (a patch carries only what changed). */
function patchSchema(item: z.ZodObject): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(item.shape as Record<string, z.ZodType>)) {
    let inner: z.ZodType = field;
    for (;;) {
      const def = (inner as unknown as { _zod: { def: { type: string; innerType?: z.ZodType } } })._zod.def;
      if ((def.type === 'default' || def.type === 'prefault') && def.innerType) inner = def.innerType;
      else break;
    }
    shape[key] = inner.optional();
  }
  return z.object(shape);
}

/** The event schema of a live stream with these collections (each item an object schema). */
export function liveUpdateSchema<S extends ItemSchemas>(collections: S) {
  const dataShape: Record<string, z.ZodType> = {};
  const changeShape: Record<string, z.ZodType> = {};
  for (const [name, item] of Object.entries(collections)) {
    dataShape[name] = z.record(z.string(), item);
    changeShape[name] = z
      .object({
        put: z.record(z.string(), item).optional(),
        patch: z.record(z.string(), patchSchema(item)).optional(),
        unset: z.record(z.string(), z.array(z.string())).optional(),
        remove: z.array(z.string()).optional(),
      })
      .optional();
  }
  const frame = { seq: z.number().int().min(0), atMs: z.number(), nowMs: z.number() };
  const schema = z.discriminatedUnion('t', [
    z.object({ t: z.literal('snapshot'), ...frame, health: SourceHealthSchema, data: z.object(dataShape) }),
    z.object({ t: z.literal('diff'), ...frame, health: SourceHealthSchema.optional(), changes: z.object(changeShape) }),
  ]);
  return schema as unknown as z.ZodType<LiveUpdate<DataOf<S>>>;
}

export type LiveDataOf<S extends ItemSchemas> = DataOf<S>;

// ---- pure diff and apply ----

/** Sets an own property, also for keys such as "__proto__" (an etcd key or host name may be anything). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Structural equality of JSON-like values (what crosses the transport). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

function diffItem(prev: object, next: object): { patch?: Record<string, unknown>; unset?: string[] } | undefined {
  const p = prev as Record<string, unknown>;
  const n = next as Record<string, unknown>;
  let patch: Record<string, unknown> | undefined;
  let unset: string[] | undefined;
  for (const k in n) {
    const v = n[k];
    if (v === undefined) continue;
    if (!jsonEqual(p[k], v)) (patch ??= {})[k] = v;
  }
  for (const k in p) {
    if (p[k] !== undefined && n[k] === undefined) (unset ??= []).push(k);
  }
  if (!patch && !unset) return undefined;
  return { ...(patch ? { patch } : {}), ...(unset ? { unset } : {}) };
}

const hasOwn = Object.prototype.hasOwnProperty;

// ---- what is known about a collection object ----
//
// A collection is never modified once it has been handed on (it is Readonly; diffLive's skip of an
// identical collection already relies on that). So what has been worked out about one collection
// object stays true, and is remembered per object:
//  - its keys: V8 keeps a record of more than about a thousand keys as a hash table and lists
//    them by collecting and sorting (2-3 ms for 20,000 jobs), and every poll would list each big
//    collection several times (diff as `next`, diff as `prev`, apply, each page's count);
//  - where it came from: "`from` with only these keys added, replaced or removed; every other key
//    holds the very same item". applyLive records it, and a producer that builds the next
//    collection from the previous one may too (deriveCollection); diffLive and a page's indexes
//    then look at those keys only instead of at every item.

const keysOf = new WeakMap<object, readonly string[]>();

interface Derivation {
  /**
   * Weakly: a strong reference would keep every earlier collection alive through the chain (each
   * one the key of the next record), a 20,000-item collection per frame, for ever.
   */
  readonly from: WeakRef<object>;
  /** Keys whose item may differ from `from`'s (added, replaced or removed). */
  readonly keys: readonly string[];
}
const derivedFrom = new WeakMap<object, Derivation>();

/** A collection's own keys (each object listed once; no order promised). Also its size, for free. */
export function liveKeys(coll: object): readonly string[] {
  let keys = keysOf.get(coll);
  if (keys === undefined) {
    keys = Object.keys(coll);
    keysOf.set(coll, keys);
  }
  return keys;
}

/**
 * Records that `coll` is `from` with only the items of `changed` keys added, replaced or removed:
 * every other key of either holds the very same item in both. Give it only when that is certain
 * (the collection is built from `from` by the caller); `keys`, when given, are coll's own keys.
 */
export function deriveCollection(coll: object, from: object, changed: readonly string[], keys?: readonly string[]): void {
  if (coll === from) return;
  derivedFrom.set(coll, { from: new WeakRef(from), keys: changed });
  if (keys) keysOf.set(coll, keys);
}

/** How many recorded steps liveChangedKeys follows back (frames applied in one animation frame). */
const MAX_STEPS = 16;

/**
 * The keys whose item may differ between `from` and `coll`, when `coll` is known to derive from
 * it (recorded by applyLive or deriveCollection, within a few steps); undefined when unknown (the
 * caller then compares every item: also when a collection in between is gone). Each key is listed
 * once; a listed key may also be unchanged.
 */
export function liveChangedKeys(coll: object, from: object): readonly string[] | undefined {
  if (coll === from) return [];
  const steps: (readonly string[])[] = [];
  let cur: object = coll;
  for (let i = 0; i < MAX_STEPS; i++) {
    const d = derivedFrom.get(cur);
    if (!d) return undefined;
    steps.push(d.keys);
    const source = d.from.deref();
    if (source === undefined) return undefined;
    if (source === from) return steps.length === 1 ? steps[0] : [...new Set(steps.flat())];
    cur = source;
  }
  return undefined;
}

/** What turns `prev` into `next`, collection by collection; undefined when nothing changed. */
export function diffLive(prev: LiveData, next: LiveData): LiveChanges | undefined {
  let changes: LiveChanges | undefined;
  const names = new Set([...Object.keys(prev), ...Object.keys(next)]);
  for (const name of names) {
    const a = (hasOwn.call(prev, name) ? prev[name] : undefined) ?? {};
    const b = (hasOwn.call(next, name) ? next[name] : undefined) ?? {};
    if (a === b) continue;
    const change = diffCollection(a, b);
    if (change) setOwn((changes ??= {}), name, change);
  }
  return changes;
}

function diffCollection(a: Keyed<object>, b: Keyed<object>): CollectionChange | undefined {
  let change: CollectionChange | undefined;
  const known = liveChangedKeys(b, a);
  if (known) {
    // b derives from a: only these keys can differ.
    for (const key of known) {
      const inA = hasOwn.call(a, key);
      const inB = hasOwn.call(b, key);
      if (inB) {
        const item = b[key]!;
        const before = inA ? a[key] : undefined;
        if (before === item) continue;
        if (before === undefined) {
          setOwn(((change ??= {}).put ??= {}), key, item);
          continue;
        }
        const d = diffItem(before, item);
        if (!d) continue;
        change ??= {};
        if (d.patch) setOwn((change.patch ??= {}), key, d.patch);
        if (d.unset) setOwn((change.unset ??= {}), key, d.unset);
      } else if (inA) ((change ??= {}).remove ??= []).push(key);
    }
    return change;
  }
  const keysB = liveKeys(b);
  const keysA = liveKeys(a);
  // Keys of `a` known to be in `b` too: when that is all of them, nothing was removed (no second pass).
  let kept = 0;
  for (let i = 0; i < keysB.length; i++) {
    const key = keysB[i]!;
    const item = b[key]!;
    // Most items are the very same object (the producer keeps unchanged ones). An inherited
    // value (a["constructor"]) is never one of b's items, so identity means `a` has the key.
    const before = a[key];
    if (before === item) {
      if (before !== undefined || hasOwn.call(a, key)) kept++;
      continue;
    }
    if (before === undefined || !hasOwn.call(a, key)) {
      setOwn(((change ??= {}).put ??= {}), key, item);
      continue;
    }
    kept++;
    const d = diffItem(before, item);
    if (!d) continue;
    change ??= {};
    if (d.patch) setOwn((change.patch ??= {}), key, d.patch);
    if (d.unset) setOwn((change.unset ??= {}), key, d.unset);
  }
  if (kept !== keysA.length) for (const key of keysA) if (!hasOwn.call(b, key)) ((change ??= {}).remove ??= []).push(key);
  return change;
}

/**
 * `data` with the changes applied, sharing every unchanged collection and item with the input
 * (so a view of one row re-renders only when that row changed). The input is not modified.
 * Each new collection remembers its keys and that it derives from the old one (liveChangedKeys).
 */
export function applyLive<D extends LiveData>(data: D, changes: LiveChanges): D {
  const out: Record<string, Keyed<object>> = { ...data };
  for (const [name, change] of Object.entries(changes)) {
    const old: Keyed<object> = (hasOwn.call(data, name) ? data[name] : undefined) ?? {};
    const oldKeys = liveKeys(old);
    // A copy through the remembered key list: several times faster than {...old} for big records.
    const coll: Record<string, object> = {};
    for (let i = 0; i < oldKeys.length; i++) {
      const key = oldKeys[i]!;
      if (key === '__proto__') setOwn(coll, key, old[key]);
      else coll[key] = old[key]!;
    }
    const touched = new Set<string>();
    const removed = new Set<string>();
    for (const key of change.remove ?? []) {
      if (!hasOwn.call(coll, key)) continue;
      delete coll[key];
      removed.add(key);
      touched.add(key);
    }
    const added: string[] = [];
    for (const [key, item] of Object.entries(change.put ?? {})) {
      if (!hasOwn.call(coll, key)) added.push(key);
      setOwn(coll, key, item);
      touched.add(key);
    }
    const patched = new Set([...Object.keys(change.patch ?? {}), ...Object.keys(change.unset ?? {})]);
    for (const key of patched) {
      if (!hasOwn.call(coll, key)) continue;
      const patch = change.patch && hasOwn.call(change.patch, key) ? change.patch[key] : undefined;
      const item: Record<string, unknown> = { ...coll[key], ...patch };
      const unset = change.unset && hasOwn.call(change.unset, key) ? change.unset[key] : undefined;
      for (const field of unset ?? []) delete item[field];
      setOwn(coll, key, item);
      touched.add(key);
    }
    // Added keys were not in the copy when put, so neither in oldKeys less the removed ones.
    const keys = removed.size === 0 && added.length === 0 ? oldKeys : [...(removed.size === 0 ? oldKeys : oldKeys.filter((k) => !removed.has(k))), ...added];
    deriveCollection(coll, old, [...touched], keys);
    setOwn(out, name, coll);
  }
  return out as D;
}

/** Keys whose item was added or changed by these changes, per collection (for "changed just now"). */
export function touchedKeys(changes: LiveChanges): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, change] of Object.entries(changes)) {
    const keys = new Set([...Object.keys(change.put ?? {}), ...Object.keys(change.patch ?? {}), ...Object.keys(change.unset ?? {})]);
    if (keys.size) out[name] = [...keys];
  }
  return out;
}
