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

/**
 * Each collection's own keys, listed once per collection object. Listing the keys of a big record
 * is most of a diff's cost (V8 keeps a record of more than about a thousand keys as a hash table,
 * and lists its keys by collecting and sorting them: some 2-3 ms for 20,000 jobs), and a
 * publisher diffs every collection twice, as `next` and then as the next diff's `prev`. A
 * collection is never modified once it has been handed to a diff (it is Readonly; diffLive's
 * skip of an identical collection already relies on that), so its keys stay valid.
 */
const keysOf = new WeakMap<object, readonly string[]>();

function collectionKeys(coll: object): readonly string[] {
  let keys = keysOf.get(coll);
  if (keys === undefined) {
    keys = Object.keys(coll);
    keysOf.set(coll, keys);
  }
  return keys;
}

/** What turns `prev` into `next`, collection by collection; undefined when nothing changed. */
export function diffLive(prev: LiveData, next: LiveData): LiveChanges | undefined {
  let changes: LiveChanges | undefined;
  const names = new Set([...Object.keys(prev), ...Object.keys(next)]);
  for (const name of names) {
    const a = (hasOwn.call(prev, name) ? prev[name] : undefined) ?? {};
    const b = (hasOwn.call(next, name) ? next[name] : undefined) ?? {};
    if (a === b) continue;
    let change: CollectionChange | undefined;
    const keysB = collectionKeys(b);
    const keysA = collectionKeys(a);
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
    if (change) setOwn((changes ??= {}), name, change);
  }
  return changes;
}

/**
 * `data` with the changes applied, sharing every unchanged collection and item with the input
 * (so a view of one row re-renders only when that row changed). The input is not modified.
 */
export function applyLive<D extends LiveData>(data: D, changes: LiveChanges): D {
  const out: Record<string, Keyed<object>> = { ...data };
  for (const [name, change] of Object.entries(changes)) {
    const coll: Record<string, object> = { ...(Object.prototype.hasOwnProperty.call(data, name) ? data[name] : {}) };
    for (const key of change.remove ?? []) delete coll[key];
    for (const [key, item] of Object.entries(change.put ?? {})) setOwn(coll, key, item);
    const keys = new Set([...Object.keys(change.patch ?? {}), ...Object.keys(change.unset ?? {})]);
    for (const key of keys) {
      if (!Object.prototype.hasOwnProperty.call(coll, key)) continue;
      const patch = change.patch && Object.prototype.hasOwnProperty.call(change.patch, key) ? change.patch[key] : undefined;
      const item: Record<string, unknown> = { ...coll[key], ...patch };
      const unset = change.unset && Object.prototype.hasOwnProperty.call(change.unset, key) ? change.unset[key] : undefined;
      for (const field of unset ?? []) delete item[field];
      setOwn(coll, key, item);
    }
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
