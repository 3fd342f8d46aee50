import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { macForms, normalizeMac } from '../../main/farm/mac-address';
import { mergeEnv, parseEnv, serializeEnv } from '../../main/farm/env-file';

describe('normalizeMac', () => {
  it('accepts colon, hyphen, dotted and bare forms in any case', () => {
    for (const form of ['52:54:00:a1:9c:ae', '52-54-00-A1-9C-AE', '525400a19cae', '5254.00a1.9cae', ' 52:54:0:a1:9c:ae ']) {
      expect(normalizeMac(form), form).toBe('52:54:00:a1:9c:ae');
    }
  });
  it('refuses what is not a MAC', () => {
    for (const bad of ['', '52:54:00:a1:9c', '52:54:00-a1:9c:ae', 'zz:54:00:a1:9c:ae', '525400a19cae0', '52:54:00:a1:9c:ae:01']) {
      expect(normalizeMac(bad), bad).toBeUndefined();
    }
  });
  it('gives every form a key pattern may use', () => {
    expect(macForms('52-54-00-a1-9c-ae')).toEqual({ colon: '52:54:00:a1:9c:ae', hyphen: '52-54-00-a1-9c-ae', bare: '525400a19cae', upper: '52:54:00:A1:9C:AE' });
  });
});

describe('worker env files', () => {
  it('parses KEY=VALUE lines, comments, export and quotes', () => {
    const text = "# farm\nexport POOL=stratum+tcp://pool:4444\nWORKER='rig 01'\nNOTE=\"a \\\"b\\\"\"\n\nEMPTY=\nX=1 # comment\n";
    const { entries, problems } = parseEnv(text);
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      { key: 'POOL', value: 'stratum+tcp://pool:4444' },
      { key: 'WORKER', value: 'rig 01' },
      { key: 'NOTE', value: 'a "b"' },
      { key: 'EMPTY', value: '' },
      { key: 'X', value: '1' },
    ]);
  });
  it('names the line of every problem', () => {
    const { problems } = parseEnv("OK=1\nno equals\n1BAD=2\nQ='open\nS=\"$(reboot)\"\nT=a b\n");
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6]);
    expect(problems[4]!.message).toMatch(/quote it/);
  });
  it('serializes so that a POSIX shell reads back the same values', () => {
    const entries = [
      { key: 'A', value: "it's $HOME `x` \\ \"q\"" },
      { key: 'B', value: 'plain-1.2:3' },
      { key: 'C', value: '' },
    ];
    const text = serializeEnv(entries);
    expect(parseEnv(text)).toEqual({ entries, problems: [] });
    const out = execFileSync('sh', ['-c', 'eval "$(cat)"; printf "%s\\n%s\\n%s" "$A" "$B" "$C"'], { input: text, encoding: 'utf8' });
    expect(out).toBe(`${entries[0]!.value}\n${entries[1]!.value}\n`);
  });
  it('merges layers with the later one winning, keeping first positions', () => {
    expect(mergeEnv([{ key: 'A', value: '1' }, { key: 'B', value: '2' }], [{ key: 'B', value: 'w' }, { key: 'C', value: '3' }])).toEqual([
      { key: 'A', value: '1' },
      { key: 'B', value: 'w' },
      { key: 'C', value: '3' },
    ]);
  });
});
