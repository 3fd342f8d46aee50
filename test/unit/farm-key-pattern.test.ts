import { describe, expect, it } from 'vitest';
import { compileKeyPattern, renderKeyPattern } from '../../main/farm/key-pattern';
import { datacenterKey, parseKeyPattern, workerEnvKey } from '../../main/etcd/farm-keys';

const MAC = '52-54-00-AB-cd-07';
const UUID = '0b0a3f52-9d6e-4c43-a7f1-2b1f0c9d7e11';

function netbootKey(pattern: string, values: { mac?: string; uuid?: string; subnetName?: string }): string {
  const c = compileKeyPattern(pattern);
  if (!c.ok) throw new Error(c.error);
  return renderKeyPattern(c.pattern, { uuid: values.uuid ?? '', subnetName: values.subnetName ?? '', ...(values.mac ? { mac: values.mac } : {}) });
}

describe('one reading of a farm key pattern (netboot responder and etcd farm view)', () => {
  it.each([
    ['/farm/workers/{mac}/env', '/farm/workers/52:54:00:ab:cd:07/env'],
    ['/farm/workers/{macHyphen}/env', '/farm/workers/52-54-00-ab-cd-07/env'],
    ['/farm/workers/{mac:hyphen}/env', '/farm/workers/52-54-00-ab-cd-07/env'],
    ['/farm/workers/{macBare}', '/farm/workers/525400abcd07'],
    ['/farm/workers/{mac:bare}', '/farm/workers/525400abcd07'],
    ['/farm/workers/{mac:upper}/env', '/farm/workers/52:54:00:AB:CD:07/env'],
    ['/farm/workers/{macUpper}/env', '/farm/workers/52:54:00:AB:CD:07/env'],
    ['/farm/workers/{mac:colon}/env', '/farm/workers/52:54:00:ab:cd:07/env'],
  ])('%s names the same key in both places', (pattern, key) => {
    expect(netbootKey(pattern, { mac: MAC })).toBe(key);
    expect(workerEnvKey(parseKeyPattern(pattern, 'mac'), MAC).toString()).toBe(key);
  });

  it('datacenter configs by uuid agree too', () => {
    const pattern = '/farm/dc/{uuid}/config';
    expect(datacenterKey(parseKeyPattern(pattern, 'uuid'), UUID).toString()).toBe(netbootKey(pattern, { uuid: UUID }));
  });

  it('both refuse the same malformed patterns with the reason', () => {
    for (const bad of ['/farm/{mac/env', '/farm/}mac{/env', '/farm/{nope}/env', '/farm/\u0001/{mac}']) {
      expect(compileKeyPattern(bad).ok, bad).toBe(false);
      expect(() => parseKeyPattern(bad, 'mac'), bad).toThrow(/key pattern/);
    }
    expect(() => parseKeyPattern('/farm/{nope}/env', 'mac')).toThrow(/unknown variable \{nope\}/);
  });

  it('the farm view lists one varying segment, so it names any other variable', () => {
    expect(compileKeyPattern('/farm/{subnetName}/{mac}/env').ok).toBe(true);
    expect(() => parseKeyPattern('/farm/{subnetName}/{mac}/env', 'mac')).toThrow(/has \{subnetName\} besides \{mac\}/);
    expect(() => parseKeyPattern('/farm/workers/env', 'mac')).toThrow(/exactly once/);
    expect(() => parseKeyPattern('/farm/w-{mac}/env', 'mac')).toThrow(/whole path segment/);
  });
});
