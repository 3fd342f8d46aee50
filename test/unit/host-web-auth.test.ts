import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentTypeFor, lookupStatic } from '../../main/host/static-files';
import {
  allowedHostHeaders,
  authenticate,
  createToken,
  hostHeaderAllowed,
  originAllowed,
  readCookie,
  tokenCookie,
  tokensEqual,
} from '../../main/host/web-auth';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('web-auth', () => {
  it('makes 32-byte base64url tokens, all different', () => {
    const a = createToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(createToken()).not.toBe(a);
  });

  it('compares tokens of any length', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abc', 'abd')).toBe(false);
    expect(tokensEqual('abc', 'abcd')).toBe(false);
    expect(tokensEqual('', 'abc')).toBe(false);
  });

  it('writes and reads the per-port cookie', () => {
    expect(tokenCookie(1234, 'tok')).toBe('drover-token-1234=tok; HttpOnly; SameSite=Strict; Path=/');
    expect(readCookie('a=1; drover-token-1234=tok; b=2', 'drover-token-1234')).toBe('tok');
    expect(readCookie('drover-token-999=tok', 'drover-token-1234')).toBeUndefined();
    expect(readCookie(undefined, 'x')).toBeUndefined();
  });

  it('lets the first presented credential decide: bearer, then query, then cookie', () => {
    const q = (s: string) => new URLSearchParams(s);
    expect(authenticate(req({ authorization: 'Bearer T' }), q(''), 'T', 1)).toEqual({ ok: true, source: 'header' });
    expect(authenticate(req({ authorization: 'Basic T' }), q('token=T'), 'T', 1)).toEqual({ ok: false, source: 'header' });
    expect(authenticate(req({}), q('token=T'), 'T', 1)).toEqual({ ok: true, source: 'query' });
    expect(authenticate(req({ cookie: 'drover-token-1=T' }), q('token=bad'), 'T', 1)).toEqual({ ok: false, source: 'query' });
    expect(authenticate(req({ cookie: 'drover-token-1=T' }), q(''), 'T', 1)).toEqual({ ok: true, source: 'cookie' });
    expect(authenticate(req({ cookie: 'drover-token-2=T' }), q(''), 'T', 1)).toEqual({ ok: false });
    expect(authenticate(req({}), q(''), 'T', 1)).toEqual({ ok: false });
  });

  it('answers only to loopback Host headers with our port', () => {
    const allowed = allowedHostHeaders('127.0.0.1', 8080);
    for (const h of ['127.0.0.1:8080', 'localhost:8080', 'LOCALHOST:8080', '[::1]:8080']) expect(hostHeaderAllowed(req({ host: h }), allowed), h).toBe(true);
    for (const h of ['evil.example:8080', '127.0.0.1:8081', '127.0.0.1', 'localhost', 'attacker.localhost:8080']) {
      expect(hostHeaderAllowed(req({ host: h }), allowed), h).toBe(false);
    }
    expect(hostHeaderAllowed(req({}), allowed)).toBe(false);
    expect(allowedHostHeaders('127.0.0.2', 1).has('127.0.0.2:1')).toBe(true);
    expect(allowedHostHeaders('0.0.0.0', 1).has('0.0.0.0:1')).toBe(false);
  });

  it('wants our own Origin, or an explicit token when there is none', () => {
    expect(originAllowed(req({ host: '127.0.0.1:1', origin: 'http://127.0.0.1:1' }), 'cookie')).toBe(true);
    expect(originAllowed(req({ host: 'localhost:1', origin: 'http://localhost:1' }), 'cookie')).toBe(true);
    expect(originAllowed(req({ host: '127.0.0.1:1', origin: 'http://localhost:1' }), 'cookie')).toBe(false);
    expect(originAllowed(req({ host: '127.0.0.1:1', origin: 'http://evil.example' }), 'header')).toBe(false);
    expect(originAllowed(req({ host: '127.0.0.1:1', origin: 'null' }), 'query')).toBe(false);
    expect(originAllowed(req({ host: '127.0.0.1:1' }), 'header')).toBe(true);
    expect(originAllowed(req({ host: '127.0.0.1:1' }), 'query')).toBe(true);
    expect(originAllowed(req({ host: '127.0.0.1:1' }), 'cookie')).toBe(false);
  });
});

describe('static-files', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-static-'));
    fs.mkdirSync(path.join(dir, 'root', 'assets'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'root', 'index.html'), 'x');
    fs.writeFileSync(path.join(dir, 'root', 'assets', 'a.js'), 'x');
    fs.writeFileSync(path.join(dir, 'outside.txt'), 'x');
    fs.symlinkSync(path.join(dir, 'outside.txt'), path.join(dir, 'root', 'out.txt'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('maps / to index.html and files under the root', async () => {
    const root = path.join(dir, 'root');
    expect(await lookupStatic(root, '/')).toMatchObject({ kind: 'file', contentType: 'text/html; charset=utf-8' });
    expect(await lookupStatic(root, '/assets/a.js')).toMatchObject({ kind: 'file', contentType: 'text/javascript; charset=utf-8' });
    expect(await lookupStatic(root, '/assets%2Fa.js')).toMatchObject({ kind: 'file' });
    expect(await lookupStatic(root, '/assets/')).toEqual({ kind: 'not-found' });
  });

  it('refuses traversal, odd characters and symlinks out', async () => {
    const root = path.join(dir, 'root');
    for (const p of ['/../outside.txt', '/%2e%2e/outside.txt', '/%2E%2E%2Foutside.txt', '/assets/../../outside.txt', '/./index.html', '/a\\b', '/%00', '/%e0%a4%a']) {
      expect((await lookupStatic(root, p)).kind, p).toBe('bad-request');
    }
    expect(await lookupStatic(root, '/out.txt')).toEqual({ kind: 'not-found' });
    expect(await lookupStatic(path.join(dir, 'missing'), '/')).toEqual({ kind: 'not-found' });
  });

  it('knows the content types of a Vite build', () => {
    expect(contentTypeFor('x.woff2')).toBe('font/woff2');
    expect(contentTypeFor('x.svg')).toBe('image/svg+xml');
    expect(contentTypeFor('x.map')).toBe('application/json; charset=utf-8');
    expect(contentTypeFor('x.unknown')).toBe('application/octet-stream');
  });
});
