import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../main/contract/errors';
import { buildCommand, buildCommandBytes, quoteArg } from '../../main/ssh/shell-quote';

const SHELLS = ['sh', 'bash'];
const PRINT = ['printf', '%s\\0'];

/** Runs a command string the way sshd does (`shell -c command`) and returns the NUL-separated output. */
function runThrough(shell: string, command: string): string[] {
  const out = execFileSync(shell, ['-c', command], { maxBuffer: 64 * 1024 * 1024 });
  return splitNul(out).map((b) => b.toString('utf8'));
}

function splitNul(out: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 0) {
      parts.push(out.subarray(start, i));
      start = i + 1;
    }
  }
  expect(start).toBe(out.length); // every argument ends with a NUL
  return parts;
}

/** A simple PRNG so a failing fuzz case can be reproduced from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY = [
  '',
  ' ',
  '  two  spaces  ',
  "'",
  "''",
  "it's",
  '"',
  '"double" and \'single\'',
  '\\',
  '\\\\n',
  'trailing\\',
  '$HOME',
  '${HOME}',
  '$(id)',
  '`id`',
  '$((1+1))',
  'a\nb',
  '\n',
  '\r\n',
  '\t',
  '-n',
  '-e',
  '--',
  '-rf /',
  '*',
  '?',
  '[a-z]*',
  '~',
  '~root',
  'a=b',
  'PATH=/x',
  '#not a comment',
  'a#b',
  '!',
  '!!',
  '{a,b}',
  '{}',
  ';',
  '&&',
  '|',
  '>file',
  '<file',
  '2>&1',
  '(subshell)',
  'if',
  'then',
  'time',
  '%1',
  'héllo wörld',
  '中文 参数',
  '🙂 emoji',
  '\u00a0nbsp',
  '\u200bzero-width',
  '\x01\x02\x7f',
  '\x1b[31mred',
];

describe('quoteArg and buildCommand', () => {
  it('keeps plain words bare and quotes the rest', () => {
    expect(buildCommand(['ls', '-la', '/var/log'])).toBe('ls -la /var/log');
    expect(buildCommand(['virsh', '-c', 'qemu:///system', 'list', '--all'])).toBe('virsh -c qemu:///system list --all');
    expect(quoteArg('')).toBe("''");
    expect(quoteArg("it's")).toBe("'it'\\''s'");
    expect(quoteArg('a b')).toBe("'a b'");
    expect(quoteArg('if')).toBe("'if'");
    expect(quoteArg('a=b')).toBe("'a=b'");
    expect(quoteArg('~')).toBe("'~'");
  });

  for (const shell of SHELLS) {
    it(`passes nasty arguments through ${shell} -c unchanged`, () => {
      expect(runThrough(shell, buildCommand([...PRINT, ...NASTY]))).toEqual(NASTY);
      // one at a time as well, so no argument leans on its neighbours
      for (const arg of NASTY) expect(runThrough(shell, buildCommand([...PRINT, arg])), JSON.stringify(arg)).toEqual([arg]);
    });

    it(`survives random strings through ${shell} -c (fuzz)`, () => {
      const alphabet = [..."abcXYZ019 \t\n\r'\"\\$`!*?[](){}<>|&;#~=%^,.:/-+@", 'é', '中', '🙂', '\x01', '\x7f', '\u2028'];
      for (let seed = 1; seed <= 40; seed++) {
        const rnd = prng(seed);
        const args = Array.from({ length: 1 + Math.floor(rnd() * 25) }, () => {
          const len = Math.floor(rnd() * 16);
          let s = '';
          for (let i = 0; i < len; i++) {
            // mostly the alphabet, sometimes any code point outside the surrogate range
            if (rnd() < 0.85) s += alphabet[Math.floor(rnd() * alphabet.length)];
            else {
              let cp = 1 + Math.floor(rnd() * 0x10fffe);
              if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x41;
              s += String.fromCodePoint(cp);
            }
          }
          return s;
        });
        expect(runThrough(shell, buildCommand([...PRINT, ...args])), `seed ${seed}`).toEqual(args);
      }
    });
  }

  it('rejects NUL bytes, lone surrogates and an empty argv with INVALID_INPUT', () => {
    const cases: Array<() => unknown> = [
      () => quoteArg('a\0b'),
      () => buildCommand(['printf', 'x\0']),
      () => buildCommand(['\ud800']),
      () => buildCommandBytes([Buffer.from([0x61, 0x00])]),
      () => buildCommand([]),
    ];
    for (const f of cases) {
      let caught: unknown;
      try {
        f();
      } catch (err) {
        caught = err;
      }
      expect(isAppError(caught, 'INVALID_INPUT'), String(f)).toBe(true);
    }
    expect(() => quoteArg('a\0b')).toThrow(/NUL/);
  });
});

describe('program names and raw bytes', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'drover-quote-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('quotes the program itself (a path with spaces, quotes and $)', () => {
    const program = join(dir, "my prog 'v$1'.sh");
    writeFileSync(program, '#!/bin/sh\nprintf "%s\\0" "$@"\n');
    chmodSync(program, 0o755);
    const args = ['a b', "c'd", '-x', ''];
    for (const shell of SHELLS) expect(runThrough(shell, buildCommand([program, ...args]))).toEqual(args);
  });

  it('passes arbitrary non-UTF-8 bytes with buildCommandBytes', () => {
    const rnd = prng(99);
    const args = Array.from({ length: 200 }, () => Buffer.from(Array.from({ length: Math.floor(rnd() * 12) }, () => 1 + Math.floor(rnd() * 255))));
    args.push(Buffer.from([0xff, 0xfe, 0x27, 0x80]), Buffer.alloc(0));
    const script = join(dir, 'bytes.sh');
    writeFileSync(script, buildCommandBytes(['printf', '%s\\0', ...args]));
    for (const shell of SHELLS) {
      const out = splitNul(execFileSync(shell, [script]));
      expect(out.length).toBe(args.length);
      out.forEach((b, i) => expect(b.equals(args[i]!), `arg ${i}: ${args[i]!.toString('hex')}`).toBe(true));
    }
  });
});
