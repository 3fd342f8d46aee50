import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkJson,
  decodeUtf8,
  describeValue,
  detectKind,
  encodeUtf8,
  escapeBytes,
  fromBase64,
  hexDump,
  isUtf8,
  jsonProblem,
  keyDisplay,
  toBase64,
  toHex,
} from '../../main/etcd/value-codec';
import { unescapeBytes } from '../../main/contract/escaped-bytes';

const b = (...bytes: number[]) => Buffer.from(bytes);

describe('base64', () => {
  it('round-trips any bytes and refuses what is not strict base64', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = randomBytes(n);
      const text = toBase64(bytes);
      expect(fromBase64(text)!.equals(bytes)).toBe(true);
    }
    expect(fromBase64('')!.length).toBe(0);
    expect(fromBase64('abc')).toBeUndefined(); // no padding
    expect(fromBase64('ab!=')).toBeUndefined();
    expect(fromBase64('YWJj\n')).toBeUndefined();
    expect(fromBase64('YQ')).toBeUndefined();
    expect(fromBase64('YQ==')!.toString()).toBe('a');
  });
});

describe('UTF-8', () => {
  it('accepts well-formed UTF-8 and refuses overlongs, surrogates, stray continuation bytes and > U+10FFFF', () => {
    expect(isUtf8(Buffer.from('/farm/workers/52:54:00:a1:9c:ae/env'))).toBe(true);
    expect(isUtf8(Buffer.from('矿机/配置'))).toBe(true);
    expect(isUtf8(b())).toBe(true);
    expect(isUtf8(b(0xc0, 0xaf))).toBe(false); // overlong '/'
    expect(isUtf8(b(0xed, 0xa0, 0x80))).toBe(false); // U+D800
    expect(isUtf8(b(0x80))).toBe(false);
    expect(isUtf8(b(0xf4, 0x90, 0x80, 0x80))).toBe(false); // U+110000
    expect(isUtf8(b(0xe2, 0x82))).toBe(false); // truncated
    expect(isUtf8(b(0xff))).toBe(false);
  });

  it('decodes and re-encodes valid UTF-8 byte for byte, a leading BOM included', () => {
    const samples = [b(0xef, 0xbb, 0xbf, 0x41), Buffer.from('héllo 世界 🚀'), b(0), b(0xf4, 0x8f, 0xbf, 0xbf)];
    for (const s of samples) expect(encodeUtf8(decodeUtf8(s)).equals(s)).toBe(true);
    // Random bytes: whenever isUtf8 says yes, the text form round-trips exactly.
    let valid = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = randomBytes(1 + (i % 7));
      if (isUtf8(bytes)) {
        valid++;
        expect(encodeUtf8(decodeUtf8(bytes)).equals(bytes)).toBe(true);
      } else {
        expect(encodeUtf8(decodeUtf8(bytes)).equals(bytes)).toBe(false);
      }
    }
    expect(valid).toBeGreaterThan(100);
  });
});

describe('escapeBytes / unescapeBytes', () => {
  it('is reversible for any bytes', () => {
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(i % 33);
      const text = escapeBytes(bytes);
      const back = unescapeBytes(text);
      expect(back.ok && Buffer.from(back.bytes).equals(bytes), `${toHex(bytes)} -> ${text}`).toBe(true);
    }
  });

  it('keeps valid UTF-8 as text and escapes only the bad bytes and backslashes', () => {
    expect(escapeBytes(Buffer.concat([Buffer.from('/k/'), b(0xff, 0xfe), Buffer.from('é\\x')]))).toBe('/k/\\xff\\xfeé\\\\x');
    expect(escapeBytes(b(0xe2, 0x82, 0x41))).toBe('\\xe2\\x82A');
  });

  it('reports a lone backslash instead of guessing', () => {
    expect(unescapeBytes('a\\q')).toEqual({ ok: false, error: expect.stringContaining('backslash') as unknown, offset: 1 });
    expect(unescapeBytes('a\\x4')).toMatchObject({ offset: 1 });
  });

  it('keyDisplay flags non-UTF-8 keys', () => {
    expect(keyDisplay(Buffer.from('/a\\b'))).toEqual({ display: '/a\\b', utf8: true });
    expect(keyDisplay(b(0x2f, 0xff))).toEqual({ display: '/\\xff', utf8: false });
  });
});

describe('checkJson', () => {
  it('pretty-prints like JSON.stringify(…, null, 2) for ordinary documents', () => {
    const docs = [
      '{"supervisor":{"images":[{"uri":"userland","mountpoint":"/"}]},"metrics":{"input":{"bminer":{"device":0,"solver":"x"}},"output":{"influxdb":{"url":"http://10.40.23.250:8086","db":"farm"}}}}',
      '[]',
      '{}',
      '[1,2,[3,{}],[],{"a":null,"b":true,"c":false}]',
      '"just a string"',
      '  42  ',
      '{"mode":"tophc","hasconvert":true}',
    ];
    for (const d of docs) {
      const r = checkJson(d);
      expect(r.ok, d).toBe(true);
      if (r.ok) expect(r.pretty).toBe(JSON.stringify(JSON.parse(d), null, 2));
    }
  });

  it('keeps numbers and escapes exactly as written (JSON.parse would round 12345678901234567890)', () => {
    const r = checkJson('{"id":12345678901234567890,"x":1.50,"e":1E+3,"s":"\\u00e9\\n"}');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.pretty).toBe('{\n  "id": 12345678901234567890,\n  "x": 1.50,\n  "e": 1E+3,\n  "s": "\\u00e9\\n"\n}');
  });

  it('reports duplicate member names', () => {
    const r = checkJson('{"a":1,"b":{"a":2},"a":3}');
    expect(r.ok && r.duplicateKeys).toEqual(['a']);
  });

  it('gives the position of the first problem', () => {
    const cases: Array<[string, number, number, RegExp]> = [
      ['{"mode":"tophc",}', 1, 17, /expected a member name/],
      ['{"mode" "tophc"}', 1, 9, /expected ':'/],
      ['{\n  "a": 1\n  "b": 2\n}', 3, 3, /expected ',' or '}'/],
      ['[1, 2', 1, 6, /end of input/],
      ['{"a": tru}', 1, 7, /expected a value/],
      ['{"a": 01}', 1, 7, /leading zeros/],
      ['"abc', 1, 1, /unterminated string/],
      ['{"a":"x\ny"}', 1, 8, /control character U\+000A inside a string/],
      ['{"a":1} x', 1, 9, /after the JSON value/],
      ['', 1, 1, /empty/],
      ["{'a':1}", 1, 2, /double quotes/],
      ['"\\q"', 1, 2, /invalid escape/],
      ['[1.]', 1, 4, /after the decimal point/],
    ];
    for (const [text, line, column, message] of cases) {
      const r = checkJson(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) {
        expect(r.error.message, text).toMatch(message);
        expect([r.error.line, r.error.column], text).toEqual([line, column]);
        expect(r.error.message).toContain(`line ${line}, column ${column}`);
      }
    }
  });

  it('refuses absurd nesting without blowing the stack', () => {
    const r = checkJson('['.repeat(100_000));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/nesting deeper/);
  });

  it('jsonProblem refuses bytes that are not UTF-8', () => {
    expect(jsonProblem(Buffer.from('{"a":1}'))).toBeNull();
    expect(jsonProblem(b(0x7b, 0xff, 0x7d))?.message).toMatch(/not UTF-8/);
    expect(jsonProblem(Buffer.from('{"a":}'))?.column).toBe(6);
  });
});

describe('describeValue', () => {
  it('tells JSON, text and binary apart', () => {
    expect(detectKind(Buffer.from('{"a":[1]}'))).toBe('json');
    expect(detectKind(Buffer.from('MINER_POOL=stratum+tcp://pool:3333\n'))).toBe('text');
    expect(detectKind(Buffer.from('123'))).toBe('text');
    expect(detectKind(b(0, 1, 2, 0xff))).toBe('binary');
    expect(detectKind(Buffer.from('a\u0000b'))).toBe('binary');
    expect(detectKind(b())).toBe('text');
  });

  it('pretty-prints JSON, flags broken JSON, dumps binary as hex', () => {
    const json = describeValue(Buffer.from('{"a":1}'));
    expect(json).toMatchObject({ kind: 'json', display: '{\n  "a": 1\n}', sizeBytes: 7, displayTruncated: false });
    expect(fromBase64(json.base64)!.toString()).toBe('{"a":1}');

    const broken = describeValue(Buffer.from('{"a":1,}'));
    expect(broken.kind).toBe('text');
    expect(broken.display).toBe('{"a":1,}');
    expect(broken.jsonError).toMatchObject({ line: 1, column: 8 });

    const bin = describeValue(b(0xde, 0xad, 0xbe, 0xef, 0x41));
    expect(bin.kind).toBe('binary');
    expect(bin.display.split('\n')[0]).toBe('00000000  de ad be ef 41                                    |....A|');
    expect(fromBase64(bin.base64)!.equals(b(0xde, 0xad, 0xbe, 0xef, 0x41))).toBe(true);
  });

  it('cuts long displays but never the bytes', () => {
    const big = Buffer.from('x'.repeat(1000));
    const r = describeValue(big, { maxDisplayChars: 100 });
    expect(r.display.length).toBe(100);
    expect(r.displayTruncated).toBe(true);
    expect(fromBase64(r.base64)!.equals(big)).toBe(true);
    const bin = describeValue(randomBytes(100).fill(0xff, 0, 1), { maxHexBytes: 32 });
    expect(bin.displayTruncated).toBe(true);
    expect(bin.display).toContain('… 68 more bytes');
  });

  it('hexDump ends with the length like hexdump -C', () => {
    expect(hexDump(Buffer.from('0123456789abcdefXY'))).toBe(
      '00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n' +
        '00000010  58 59                                             |XY|\n' +
        '00000012',
    );
  });
});
