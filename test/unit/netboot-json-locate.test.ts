import { describe, expect, it } from 'vitest';
import { describeJsonError } from '../../main/netboot/config-file';
import { jsonErrorOffset, locateJsonPaths } from '../../main/netboot/json-locate';

describe('problem paths in the JSON text', () => {
  const text = '{\n  "listen": { "port": 80 },\n  "subnets": [\n    { "name": "a", "cidr": "10.0.0.0/8" },\n    {\n      "name": "b\\"q",\n      "cidr": "x"\n    }\n  ]\n}\n';

  it('finds members at their key and array elements at their value', () => {
    const at = locateJsonPaths(text, ['listen.port', 'subnets[0].cidr', 'subnets[1]', 'subnets[1].cidr', 'subnets']);
    expect(at.get('listen.port')).toEqual({ line: 2, column: 15 });
    expect(at.get('subnets[0].cidr')).toEqual({ line: 4, column: 20 });
    expect(at.get('subnets[1]')).toEqual({ line: 5, column: 5 });
    expect(at.get('subnets[1].cidr')).toEqual({ line: 7, column: 7 });
    expect(at.get('subnets')).toEqual({ line: 3, column: 3 });
  });

  it('a path that is not there falls back to its nearest parent; nothing found is left out', () => {
    const at = locateJsonPaths(text, ['subnets[1].script', 'subnets[7].cidr', 'nowhere', '']);
    expect(at.get('subnets[1].script')).toEqual({ line: 5, column: 5 });
    expect(at.get('subnets[7].cidr')).toEqual({ line: 3, column: 3 });
    expect(at.has('nowhere')).toBe(false);
    expect(at.has('')).toBe(false);
  });

  it('never throws on text that is not JSON', () => {
    expect(() => locateJsonPaths('{"a": [1, 2', ['a[1]', 'a[5]'])).not.toThrow();
    expect(locateJsonPaths('{"a": [1, 2', ['a[1]']).get('a[1]')).toEqual({ line: 1, column: 11 });
  });

  it('says where V8 gave up when its message names no position', () => {
    const bad = '{\n  "a": [,]\n}';
    let message = '';
    try {
      JSON.parse(bad);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(jsonErrorOffset(bad)).toBe(bad.indexOf(','));
    expect(describeJsonError(bad, message)).toBe("Unexpected token ',' at line 2, column 9");
    expect(jsonErrorOffset('{"a": tru}')).toBe(6);
    expect(jsonErrorOffset('{"a": true}')).toBeUndefined();
  });
});
