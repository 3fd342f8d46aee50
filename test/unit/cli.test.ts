import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../main/app/cli';
import { connectWebHost } from '../../main/host/ws-client';

function capture(extra: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Partial<CliIo> = {
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    env: {},
    handleSignals: false,
    ...extra,
  };
  return { io, out, err };
}

const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

let tmp: string | undefined;
afterEach(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

describe('drover CLI', () => {
  it('--help prints the usage with the commands, exit 0', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(/Usage: drover <command>/);
    expect(c.out.join('\n')).toMatch(/serve/);
    expect(c.err).toEqual([]);
  });

  it('--version and -V print the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const c = capture();
      expect(await main([flag], c.io)).toBe(0);
      expect(c.out).toEqual([pkg.version]);
    }
  });

  it('serve --help prints the serve usage', async () => {
    const c = capture();
    expect(await main(['serve', '--help'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(/--allow-remote/);
  });

  it.each([
    [[], /no command/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['--frob'], /--frob/],
    [['serve', '--frob'], /--frob/],
    [['serve', 'extra'], /extra/],
    [['serve', '--port', 'abc'], /--port must be a number/],
    [['serve', '--port', '70000'], /--port must be a number/],
    [['serve', '--port'], /--port/],
  ])('%j is a usage error: message, usage, exit 2', async (argv, message) => {
    const c = capture();
    expect(await main(argv, c.io)).toBe(2);
    expect(c.out).toEqual([]);
    const text = c.err.join('\n');
    expect(text).toMatch(message);
    expect(text).toMatch(/Usage: drover/);
  });

  it('serve refuses a non-loopback host without --allow-remote, before listening', async () => {
    const c = capture();
    expect(await main(['serve', '--host', '0.0.0.0', '--port', '0'], c.io)).toBe(2);
    expect(c.out).toEqual([]);
    expect(c.err.join('\n')).toMatch(/refusing to listen on 0\.0\.0\.0[\s\S]*--allow-remote/);
  });

  it('serve prints exactly one stdout line, serves, and stops cleanly', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-cli-'));
    const staticDir = path.join(tmp, 'static');
    fs.mkdirSync(staticDir);
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html>');
    const stop = new AbortController();
    const c = capture({ stop: stop.signal, env: { DROVER_STATIC_DIR: staticDir } });
    const running = main(['serve', '--port', '0', '--config-dir', path.join(tmp, 'cfg')], c.io);
    const until = Date.now() + 10_000;
    while (c.out.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(c.out).toHaveLength(1);
    const m = /^Drover web UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43})$/.exec(c.out[0] ?? '');
    expect(m).not.toBeNull();
    const client = await connectWebHost(m?.[1] ?? '');
    const info = await client.api.system.info(null);
    expect(info.transport).toBe('web');
    expect(info.configDir).toBe(path.join(tmp, 'cfg'));
    const closed = new Promise((r) => client.onDidClose(r));
    stop.abort();
    expect(await running).toBe(0);
    await closed;
    expect(c.out).toHaveLength(1);
  });
});
