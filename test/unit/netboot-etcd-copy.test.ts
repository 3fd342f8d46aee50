import { describe, expect, it } from 'vitest';
import { compileKeyPattern, type EtcdKeyPattern } from '../../main/farm/key-pattern';
import { EtcdCopy, watchPrefixes } from '../../main/netboot/etcd-copy';

function pattern(source: string): EtcdKeyPattern {
  const r = compileKeyPattern(source);
  if (!r.ok) throw new Error(r.error);
  return r.pattern;
}

describe('watchPrefixes', () => {
  it('takes the text before the first variable and drops covered prefixes', () => {
    expect(watchPrefixes([pattern('/farm/dc/{uuid}/config'), pattern('/farm/workers/{mac}/env'), pattern('/farm/workers/{macBare}')])).toEqual(['/farm/dc/', '/farm/workers/']);
    expect(watchPrefixes([pattern('/farm/{subnetName}/dc'), pattern('/farm/workers/{mac}')])).toEqual(['/farm/']);
  });

  it('a pattern without variables is its own key; one that starts with a variable watches everything', () => {
    expect(watchPrefixes([pattern('/farm/dc-config'), pattern('/farm/workers/{mac}/env')])).toEqual(['/farm/dc-config', '/farm/workers/']);
    expect(watchPrefixes([pattern('{mac}/env'), pattern('/farm/dc/{uuid}')])).toEqual(['']);
  });
});

describe('EtcdCopy', () => {
  it('loads a range read and answers covered keys; a covered key not there does not exist', () => {
    const c = new EtcdCopy(['/farm/dc/', '/farm/workers/']);
    expect(c.load([['/farm/dc/x/config', 'A=1\n']], 7)).toEqual({ ok: true });
    expect(c.revision).toBe(7);
    expect(c.size).toBe(1);
    expect(c.bytes).toBe('/farm/dc/x/config'.length + 4);
    expect(c.get('/farm/dc/x/config')).toBe('A=1\n');
    expect(c.covers('/farm/workers/aa/env')).toBe(true);
    expect(c.get('/farm/workers/aa/env')).toBeUndefined();
    expect(c.covers('/other/key')).toBe(false);
  });

  it('applies puts and deletes in revision order, keeping the byte count', () => {
    const c = new EtcdCopy(['/w/']);
    c.load([], 10);
    expect(c.put('/w/a', 'xx', 11)).toEqual({ ok: true });
    expect(c.put('/w/b', 'yyyy', 11)).toEqual({ ok: true }); // one txn: same revision
    expect(c.put('/w/a', 'x', 12)).toEqual({ ok: true });
    expect(c.bytes).toBe(4 + 1 + 4 + 4);
    expect(c.delete('/w/b', 13)).toEqual({ ok: true });
    expect(c.get('/w/b')).toBeUndefined();
    expect(c.bytes).toBe(5);
    expect(c.revision).toBe(13);
    expect(c.delete('/w/none', 14)).toEqual({ ok: true });
  });

  it('an event older than the copy is an error, not applied', () => {
    const c = new EtcdCopy(['/w/']);
    c.load([['/w/a', '1']], 20);
    expect(c.put('/w/a', '2', 19)).toEqual({ ok: false, reason: 'an etcd event at revision 19 came after revision 20' });
    expect(c.delete('/w/a', 3)).toMatchObject({ ok: false });
    expect(c.get('/w/a')).toBe('1');
  });

  it('over the key or byte cap: the load leaves it empty, a put reports it', () => {
    const keys = new EtcdCopy(['/w/'], { maxKeys: 2, maxBytes: 1_000_000 });
    expect(keys.load([['/w/a', '1'], ['/w/b', '2'], ['/w/c', '3']], 5)).toEqual({ ok: false, overCap: true, reason: 'the watched prefixes hold more than 2 keys (etcd.cache.maxKeys)' });
    expect(keys.size).toBe(0);
    expect(keys.bytes).toBe(0);
    expect(keys.load([['/w/a', '1']], 5)).toEqual({ ok: true });
    expect(keys.put('/w/b', '2', 6)).toEqual({ ok: true });
    expect(keys.put('/w/c', '3', 7)).toMatchObject({ ok: false, overCap: true });

    const bytes = new EtcdCopy(['/w/'], { maxKeys: 100, maxBytes: 10 });
    expect(bytes.load([['/w/a', 'é'.repeat(4)]], 1)).toEqual({ ok: false, overCap: true, reason: 'the watched prefixes hold more than 10 bytes (etcd.cache.maxBytes)' });
  });

  it('clear forgets values and revision', () => {
    const c = new EtcdCopy(['/w/']);
    c.load([['/w/a', '1']], 3);
    c.clear();
    expect([c.size, c.bytes, c.revision, c.get('/w/a')]).toEqual([0, 0, 0, undefined]);
  });
});
