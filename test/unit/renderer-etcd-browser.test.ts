import { describe, expect, it } from 'vitest';
import type { KeyEntry, TreeNode, WatchKeyItem } from '../../main/contract/etcd';
import { b64ToBytes, bytesToB64, compareBytes, decodeUtf8, escapeBytes, keyInputToB64, parseHex, toHex, unescapeBytes } from '../../renderer/src/features/etcd/etcd-bytes';
import { bytesFor, modesFor, textFor } from '../../renderer/src/features/etcd/etcd-store';
import { ancestorsOf, flattenList, flattenTree, mergeLevel, reuseRows, toChanges, type Level } from '../../renderer/src/features/etcd/key-browser';
import { lineDiff, withContext } from '../../renderer/src/features/etcd/line-diff';
import { escapeBytes as serviceEscape } from '../../main/etcd/value-codec';

const b = (s: string) => Buffer.from(s).toString('base64');

function entry(key: string, mod = 5): KeyEntry {
  return { key: b(key), keyDisplay: key, keyUtf8: true, createRevision: 2, modRevision: mod, version: 1, lease: '0', valueSize: null };
}
function leaf(parent: string, key: string, mod = 5): TreeNode {
  return { segment: key.slice(parent.length), prefix: b(key), prefixDisplay: key, isLeaf: true, childCount: null, entry: entry(key, mod) };
}
function dir(parent: string, prefix: string): TreeNode {
  return { segment: prefix.slice(parent.length, -1), prefix: b(prefix), prefixDisplay: prefix, isLeaf: false, childCount: null };
}
function level(parent: string, nodes: TreeNode[], revision = 10, more = false): Level {
  return { parent: b(parent), nodes, cursor: more ? 'c' : null, more, revision, loading: false, error: null };
}
function change(key: string, type: 'put' | 'delete', revision: number): [string, WatchKeyItem] {
  return [b(key), { type, revision, entry: { ...entry(key, revision), ...(type === 'delete' ? { createRevision: 0, version: 0 } : {}) } }];
}
const changes = (...cs: [string, WatchKeyItem][]) => toChanges(Object.fromEntries(cs));

describe('bytes in the renderer', () => {
  it('escapes exactly like the service and round-trips any bytes', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let n = 0; n < 300; n++) {
      const bytes = Uint8Array.from({ length: Math.floor(rnd() * 40) }, () => (rnd() < 0.6 ? 0x20 + Math.floor(rnd() * 95) : Math.floor(rnd() * 256)));
      const esc = escapeBytes(bytes);
      expect(esc).toBe(serviceEscape(bytes));
      const back = unescapeBytes(esc);
      expect(back.ok && Buffer.from(back.bytes).equals(Buffer.from(bytes))).toBe(true);
      expect(Buffer.from(b64ToBytes(bytesToB64(bytes))).equals(Buffer.from(bytes))).toBe(true);
      const hex = parseHex(toHex(bytes));
      expect(hex.ok && Buffer.from(hex.bytes).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('keeps a BOM, refuses invalid UTF-8, and reads typed keys with escapes', () => {
    expect(decodeUtf8(Uint8Array.from([0xef, 0xbb, 0xbf, 0x41]))).toBe('\ufeffA');
    expect(decodeUtf8(Uint8Array.from([0xc0, 0xaf]))).toBeUndefined();
    expect(keyInputToB64('/farm/\\xff\\\\x')).toEqual({ ok: true, b64: Buffer.from([...Buffer.from('/farm/'), 0xff, 0x5c, 0x78]).toString('base64') });
    expect(keyInputToB64('/bad\\q')).toMatchObject({ ok: false });
    expect(parseHex('de ad\nbe e')).toMatchObject({ ok: false });
    expect(parseHex('zz')).toMatchObject({ ok: false });
    expect(compareBytes(Uint8Array.from([1, 2]), Uint8Array.from([1, 2, 0]))).toBeLessThan(0);
  });

  it('editor modes: every mode gives the same bytes back', () => {
    const bin = Uint8Array.from([0xff, 0xfe, 0x00, 0x41, 0x5c, 0xc3]);
    expect(modesFor(bin)).toEqual(['escaped', 'hex']);
    for (const mode of modesFor(bin)) {
      const r = bytesFor(textFor(bin, mode), mode);
      expect(r.ok && Buffer.from(r.bytes).equals(Buffer.from(bin)), mode).toBe(true);
    }
    const text = new TextEncoder().encode('{"a":1}');
    expect(modesFor(text)).toEqual(['json', 'text', 'hex']);
    expect(textFor(text, 'json', '{\n  "a": 1\n}')).toBe('{\n  "a": 1\n}');
    expect(bytesFor('\\x4', 'escaped')).toMatchObject({ ok: false });
  });
});

describe('line diff', () => {
  it('finds the changed lines with the common ones around them', () => {
    const d = lineDiff('a\nb\nc\nd\n', 'a\nB\nc\nd\ne\n');
    expect(d.lines.map((l) => `${l.type}:${l.text}`)).toEqual(['same:a', 'del:b', 'add:B', 'same:c', 'same:d', 'add:e']);
    expect([d.added, d.removed, d.coarse]).toEqual([2, 1, false]);
    expect(lineDiff('x', 'x').lines.every((l) => l.type === 'same')).toBe(true);
    const ctx = withContext(lineDiff(Array.from({ length: 50 }, (_, i) => `l${i}`).join('\n'), Array.from({ length: 50 }, (_, i) => (i === 25 ? 'changed' : `l${i}`)).join('\n')).lines, 2);
    expect(ctx.filter((l) => l.type === 'gap')).toHaveLength(2);
  });

  it('falls back to removed-then-added for a middle too large to match', () => {
    const d = lineDiff('a\nb\nc', 'x\ny\nz', 4);
    expect(d.coarse).toBe(true);
    expect(d.lines.map((l) => l.type)).toEqual(['del', 'del', 'del', 'add', 'add', 'add']);
  });
});

describe('key browser model', () => {
  const root = level('/farm/', [dir('/farm/', '/farm/dc/'), leaf('/farm/', '/farm/readme'), dir('/farm/', '/farm/workers/')]);

  it('lays changes newer than the page over it: new leaves and directories in key order, updates, deletes', () => {
    const m = mergeLevel(
      root,
      changes(change('/farm/a-new', 'put', 11), change('/farm/readme', 'put', 12), change('/farm/racks/r1', 'put', 13), change('/farm/workers/x/env', 'put', 14), change('/other/x', 'put', 15)),
      {},
    );
    expect(m.nodes.map((n) => n.prefixDisplay)).toEqual(['/farm/a-new', '/farm/dc/', '/farm/racks/', '/farm/readme', '/farm/workers/']);
    expect(m.nodes.find((n) => n.prefixDisplay === '/farm/readme')!.entry!.modRevision).toBe(12);
    expect(m.changed.get(b('/farm/workers/'))).toBe(14);
    const del = mergeLevel(root, changes(change('/farm/readme', 'delete', 11)), {});
    expect(del.nodes.map((n) => n.prefixDisplay)).toEqual(['/farm/dc/', '/farm/workers/']);
  });

  it('ignores changes the page already holds (revision at or below its own)', () => {
    const m = mergeLevel(root, changes(change('/farm/readme', 'delete', 10), change('/farm/zzz', 'put', 9)), {});
    expect(m.nodes).toBe(root.nodes);
  });

  it('adds only inside the loaded range while more pages follow', () => {
    const partial = level('/farm/', [dir('/farm/', '/farm/dc/'), leaf('/farm/', '/farm/readme')], 10, true);
    const m = mergeLevel(partial, changes(change('/farm/b', 'put', 11), change('/farm/zzz', 'put', 12)), {});
    expect(m.nodes.map((n) => n.prefixDisplay)).toEqual(['/farm/b', '/farm/dc/', '/farm/readme']);
  });

  it('hides a directory counted empty after its latest change, and shows it again when a key comes back', () => {
    const gone = changes(change('/farm/dc/x/config', 'delete', 12));
    expect(mergeLevel(root, gone, { [b('/farm/dc/')]: { count: 0, revision: 12 } }).nodes.map((n) => n.prefixDisplay)).toEqual(['/farm/readme', '/farm/workers/']);
    expect(mergeLevel(root, gone, { [b('/farm/dc/')]: { count: 0, revision: 11 } }).nodes).toHaveLength(3); // counted before the delete: not trusted
    const back = changes(change('/farm/dc/x/config', 'put', 14));
    expect(mergeLevel(root, back, { [b('/farm/dc/')]: { count: 0, revision: 12 } }).nodes).toHaveLength(3);
  });

  it('flattens expanded levels under their directory, with loading, more and empty rows', () => {
    const levels = {
      [b('')]: level('', [dir('', '/')]),
      [b('/')]: level('/', [dir('/', '/farm/'), leaf('/', '/x')], 10, true),
      [b('/farm/')]: root,
      [b('/farm/workers/')]: { ...level('/farm/workers/', []), loading: true },
    };
    const expanded = { [b('/')]: true, [b('/farm/')]: true, [b('/farm/workers/')]: true, [b('/farm/dc/')]: true };
    const rows = flattenTree(b(''), levels, expanded, [], { [b('/farm/')]: { count: 7, revision: 10 } });
    expect(rows.map((r) => `${r.kind}:${r.depth}:${r.kind === 'node' ? r.node.prefixDisplay : ''}`)).toEqual([
      'node:0:/',
      'node:1:/farm/',
      'node:2:/farm/dc/',
      'loading:3:',
      'node:2:/farm/readme',
      'node:2:/farm/workers/',
      'loading:3:',
      'node:1:/x',
      'more:1:',
    ]);
    expect(rows[1]).toMatchObject({ count: 7 });
    expect(flattenTree(b(''), { [b('')]: level('', []) }, {}, [], {}).map((r) => r.kind)).toEqual(['empty']);
  });

  it('merges the flat list of a prefix search the same way', () => {
    const list = { prefix: b('/w/'), entries: [entry('/w/a'), entry('/w/c')], cursor: null, more: false, revision: 10, loading: false, error: null };
    const rows = flattenList(list, changes(change('/w/b', 'put', 11), change('/w/c', 'delete', 12), change('/v/x', 'put', 13)));
    expect(rows.map((r) => (r.kind === 'key' ? r.entry.keyDisplay : r.kind))).toEqual(['/w/a', '/w/b']);
  });

  it('keeps the row objects that did not change, so only changed rows draw again', () => {
    const list = { prefix: b('/w/'), entries: [entry('/w/a'), entry('/w/b'), entry('/w/c')], cursor: null, more: true, revision: 10, loading: false, error: null };
    const before = flattenList(list, []);
    const after = reuseRows(before, flattenList(list, changes(change('/w/b', 'put', 11))));
    expect(after[0]).toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect(after[2]).toBe(before[2]);
    expect(after[3]).toBe(before[3]); // the "more" row
    const shifted = reuseRows(before, flattenList({ ...list, entries: [entry('/w/0'), ...list.entries] }, []));
    expect(shifted[1]).toBe(before[0]);
  });

  it('names the directories from the root down to a key', () => {
    expect(ancestorsOf(Buffer.from('/farm/workers/m/env'), new Uint8Array()).map((x) => Buffer.from(x, 'base64').toString())).toEqual(['', '/', '/farm/', '/farm/workers/', '/farm/workers/m/']);
  });
});
