import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The test hooks (window.__droverTerminals, renderer/src/features/terminal/test-hook.ts, and
// window.__droverMiners, renderer/src/features/miners/miners-test-hook.ts) are compiled in only for test builds: `node scripts/build.mjs renderer --test-hooks` defines
// __DROVER_TEST_HOOKS__ = true. This builds both bundles the way scripts/build.mjs does (into temp
// folders) and looks for each hook's name in everything they contain, source maps included.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HOOKS = ['__droverTerminals', '__droverMiners'];
const run = promisify(execFile);

let tmp: string;

async function build(outDir: string, ...flags: string[]): Promise<void> {
  await run(process.execPath, [path.join(root, 'scripts/build.mjs'), 'renderer', ...flags, '--out-dir', outDir], { cwd: root, timeout: 120_000 });
}

function filesWith(dir: string, needle: string): { files: number; hits: string[] } {
  let files = 0;
  const hits: string[] = [];
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files++;
    const file = path.join(entry.parentPath, entry.name);
    if (fs.readFileSync(file, 'utf8').includes(needle)) hits.push(path.relative(dir, file));
  }
  return { files, hits };
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-renderer-bundle-'));
  // One after the other: two Vite builds at once only fight over the two cores.
  await build(path.join(tmp, 'production'));
  await build(path.join(tmp, 'test'), '--test-hooks');
}, 240_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('renderer bundle', () => {
  it.each(HOOKS)('the production bundle (npm run build, npm start, npm run dist) has no %s', (hook) => {
    const dir = path.join(tmp, 'production');
    expect(fs.existsSync(path.join(dir, 'index.html'))).toBe(true);
    const { files, hits } = filesWith(dir, hook);
    expect(files).toBeGreaterThan(2);
    expect(hits).toEqual([]);
  });

  it.each(HOOKS)('the test build (--test-hooks, used by the e2e tests and the benchmarks) has %s', (hook) => {
    const dir = path.join(tmp, 'test');
    expect(fs.existsSync(path.join(dir, 'index.html'))).toBe(true);
    const { hits } = filesWith(dir, hook);
    expect(hits.filter((f) => f.endsWith('.js'))).toHaveLength(1);
  });

  it('build.mjs refuses an argument it does not know rather than building something else', async () => {
    await expect(run(process.execPath, [path.join(root, 'scripts/build.mjs'), 'renderer', '--test-hook'], { cwd: root })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown argument --test-hook'),
    });
  });
});
