import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyLive, deriveCollection, diffLive, jsonEqual, liveChangedKeys, liveKeys, touchedKeys, type LiveChanges, type LiveData } from '../../main/contract/live';

// Items as sources produce them: flat and nested JSON values, optional fields that come and go.
const value = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 3 }),
);
const item = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'state', 'load', 'tasks', 'gpu', 'x y', '__x'), value, { maxKeys: 7 });
const collection = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), item, { maxKeys: 12 });
const data = fc.dictionary(fc.constantFrom('workers', 'jobs', 'sectors'), collection, { maxKeys: 3 });

/** b derived from a: some items kept, some changed field by field, some removed, some added, keys reordered. */
const pair = data.chain((a) =>
  fc.tuple(fc.constant(a), data, fc.array(fc.boolean(), { minLength: 40, maxLength: 40 })).map(([a0, extra, coin]) => {
    let i = 0;
    const flip = () => coin[i++ % coin.length]!;
    const b: Record<string, Record<string, object>> = {};
    for (const [name, coll] of Object.entries(a0)) {
      const out: Record<string, object> = {};
      const keys = Object.keys(coll).reverse();
      for (const key of keys) {
        if (flip() && flip()) continue; // removed
        const it = coll[key] as Record<string, unknown>;
        if (flip()) out[key] = it; // same object
        else out[key] = { ...it, ...(extra[name]?.[key] ?? {}), ...(flip() ? { state: 'changed' } : {}) };
      }
      for (const [key, it] of Object.entries(extra[name] ?? {})) if (!(key in out) && flip()) out[key] = it;
      b[name] = out;
    }
    return [a0, b] as const;
  }),
);

describe('live diff and apply', () => {
  it('apply(diff(a, b), a) deep-equals b on random data', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const changes = diffLive(a, b);
        const applied = changes ? applyLive(a as LiveData, changes) : a;
        expect(jsonEqual(normalize(applied), normalize(b))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('also across unrelated states (collections appear and vanish)', () => {
    fc.assert(
      fc.property(data, data, (a, b) => {
        const changes = diffLive(a, b);
        const applied = changes ? applyLive(a as LiveData, changes) : a;
        expect(jsonEqual(normalize(applied), normalize(b))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('what applyLive remembers (keys, derivation) gives the same diffs as comparing every item, across chains of frames', () => {
    fc.assert(
      fc.property(pair, data, ([a, b], c) => {
        // x1 and x2 as a renderer holds them: each collection derived from the one before by applyLive.
        const x1 = applyLive(a as LiveData, diffLive(a, b) ?? {});
        const x2 = applyLive(x1, diffLive(x1, c) ?? {});
        for (const x of [x1, x2]) for (const coll of Object.values(x)) expect([...liveKeys(coll)].sort()).toEqual(Object.keys(coll).sort());
        // Two recorded steps back (a to x2) and one (x1 to x2), against fresh copies that carry no record.
        for (const [from, to] of [[a, x2], [x1, x2]] as const) {
          const fast = diffLive(from, to);
          expect(normalizeChanges(fast)).toEqual(normalizeChanges(diffLive(structuredClone(from), structuredClone(to))));
          expect(jsonEqual(normalize(fast ? applyLive(from as LiveData, fast) : from), normalize(c))).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a producer that records how it built the next collection gets the same diff', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        // b's collections as a poller builds them from a's: unchanged items kept, the others listed.
        const derived: Record<string, Record<string, object>> = {};
        for (const [name, coll] of Object.entries(b)) {
          const prev = (a[name] ?? {}) as Record<string, object>;
          const changed = [...new Set([...Object.keys(coll), ...Object.keys(prev)])].filter((k) => prev[k] !== coll[k] || !(k in prev) !== !(k in coll));
          const copy = { ...coll };
          deriveCollection(copy, prev, changed);
          derived[name] = copy;
        }
        const prevData = Object.fromEntries(Object.keys(b).map((name) => [name, a[name] ?? {}]));
        Object.assign(prevData, Object.fromEntries(Object.entries(a).filter(([name]) => !(name in b))));
        expect(normalizeChanges(diffLive(prevData, derived))).toEqual(normalizeChanges(diffLive(structuredClone(prevData), structuredClone(derived))));
        for (const name of Object.keys(derived)) expect(liveChangedKeys(derived[name]!, prevData[name]!)).toBeDefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('sends only changed fields, keyed by id, and nothing when nothing changed', () => {
    const a = { workers: { w1: { host: 'pc1-01', load: 1, gpus: [1, 2] }, w2: { host: 'pc1-02', load: 2 } } };
    const b = { workers: { w2: { host: 'pc1-02', load: 2 }, w1: { host: 'pc1-01', load: 3, gpus: [1, 2] }, w3: { host: 'gpu-01', load: 0 } } };
    expect(diffLive(a, b)).toEqual({ workers: { patch: { w1: { load: 3 } }, put: { w3: { host: 'gpu-01', load: 0 } } } });
    expect(diffLive(a, structuredClone(a))).toBeUndefined();
    expect(diffLive(b, { workers: { w1: { host: 'pc1-01', gpus: [1, 2] } } })).toEqual({ workers: { unset: { w1: ['load'] }, remove: ['w2', 'w3'] } });
  });

  it('shares unchanged items, so a view of one row re-renders only when it changed', () => {
    const a = { jobs: { j1: { state: 'running' }, j2: { state: 'running' } }, workers: { w: { n: 1 } } };
    const next = applyLive(a, { jobs: { patch: { j2: { state: 'ret-wait' } } } });
    expect(next.jobs.j1).toBe(a.jobs.j1);
    expect(next.workers).toBe(a.workers);
    expect(next.jobs.j2).toEqual({ state: 'ret-wait' });
    expect(a.jobs.j2).toEqual({ state: 'running' });
    expect(touchedKeys({ jobs: { patch: { j2: {} }, put: { j3: {} }, remove: ['j1'] } })).toEqual({ jobs: ['j3', 'j2'] });
  });

  it('treats hostile keys (an etcd key named __proto__) as plain keys', () => {
    const a = JSON.parse('{"keys":{"__proto__":{"v":1},"constructor":{"v":2}}}') as LiveData;
    const b = JSON.parse('{"keys":{"__proto__":{"v":3},"toString":{"v":4}}}') as LiveData;
    const changes = diffLive(a, b)!;
    const wire = JSON.parse(JSON.stringify(changes));
    const applied = applyLive(a, wire);
    expect(Object.keys(applied.keys!).sort()).toEqual(['__proto__', 'toString']);
    expect(Object.getPrototypeOf(applied.keys)).toBe(Object.prototype);
    expect(JSON.stringify(applied)).toBe('{"keys":{"__proto__":{"v":3},"toString":{"v":4}}}');
    expect((applied.keys as Record<string, { v: number }>)['__proto__']).toEqual({ v: 3 });
  });
});

/** JSON round trip: undefined fields and key order do not matter on the wire. */
function normalize(d: unknown): unknown {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    return v;
  };
  const parsed: Record<string, Record<string, unknown>> = JSON.parse(JSON.stringify(d));
  for (const k of Object.keys(parsed)) if (Object.keys(parsed[k]!).length === 0) delete parsed[k];
  return sort(parsed);
}

describe('liveUpdateSchema', () => {
  it('validates snapshots and diffs, and never fills defaults into a patch', async () => {
    const { z } = await import('zod');
    const { liveUpdateSchema } = await import('../../main/contract/live');
    const schema = liveUpdateSchema({ things: z.object({ name: z.string(), mode: z.string().default('auto'), opts: z.object({ n: z.number().default(1) }).prefault({}) }) });
    const health = { state: 'live', sinceMs: 1 };
    expect(schema.parse({ t: 'snapshot', seq: 0, atMs: 1, nowMs: 1, health, data: { things: { a: { name: 'a' } } } })).toMatchObject({ data: { things: { a: { name: 'a', mode: 'auto', opts: { n: 1 } } } } });
    const diff = schema.parse({ t: 'diff', seq: 1, atMs: 2, nowMs: 2, changes: { things: { patch: { a: { name: 'b' } } } } });
    expect(diff).toEqual({ t: 'diff', seq: 1, atMs: 2, nowMs: 2, changes: { things: { patch: { a: { name: 'b' } } } } });
    expect(schema.safeParse({ t: 'diff', seq: 1, atMs: 2, nowMs: 2, changes: { things: { patch: { a: { name: 5 } } } } }).success).toBe(false);
  });
});

/** Diffs compared as sets: the order of removed keys does not matter. */
function normalizeChanges(c: LiveChanges | undefined): unknown {
  if (!c) return undefined;
  return normalize(Object.fromEntries(Object.entries(c).map(([name, ch]) => [name, { ...ch, ...(ch.remove ? { remove: [...ch.remove].sort() } : {}) }])));
}
