#!/usr/bin/env node
// Applies patches/<package>+<version>.patch to node_modules/<package> (npm `postinstall`, so
// `npm ci` always yields the patched tree). The file names and diff layout are patch-package's
// (paths a/node_modules/<package>/...), so switching to patch-package later needs no new patches;
// we do not depend on it because this is all we need: `git apply` (git is there wherever the repo
// was cloned), run inside the package directory with repository discovery cut off, so it works
// like a strict `patch -p3` with no fuzz, also through a symlinked node_modules.
//
// Idempotent: a patch that is already applied (its reverse applies cleanly) is skipped.
// Loud: a version mismatch, a missing package or a patch that neither applies nor is applied
// fails the install with the reason.
//
//   node scripts/apply-patches.mjs           apply every patch (skip those already applied)
//   node scripts/apply-patches.mjs --check   exit 1 unless every patch is applied (no changes)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const patchDir = path.join(root, 'patches');
const checkOnly = process.argv.includes('--check');

/** `name+1.2.3.patch` or `@scope+name+1.2.3.patch` (patch-package naming). */
function parsePatchName(file) {
  const m = /^(?:(@[^+]+)\+)?([^+]+)\+(\d+\.\d+\.\d+[^+]*)\.patch$/.exec(file);
  if (!m) return undefined;
  return { name: m[1] ? `${m[1]}/${m[2]}` : m[2], version: m[3] };
}

// Variables a git hook or an outer git command may have set would point git at a repository.
const gitEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_PREFIX'].includes(k)));

function gitApply(pkgDir, patchFile, extra) {
  try {
    execFileSync('git', ['apply', '-p3', '--whitespace=nowarn', ...extra, patchFile], {
      cwd: pkgDir,
      // Never find the enclosing repository: paths are relative to the package directory.
      env: { ...gitEnv, GIT_CEILING_DIRECTORIES: path.dirname(pkgDir) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ok: true, output: '' };
  } catch (err) {
    return { ok: false, output: `${err.stderr ?? ''}${err.stdout ?? ''}`.trim() || String(err.message) };
  }
}

function fail(message) {
  console.error(`apply-patches: ${message}`);
  process.exit(1);
}

const files = existsSync(patchDir) ? readdirSync(patchDir).filter((f) => f.endsWith('.patch')).sort() : [];
if (files.length) {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
  } catch {
    fail(`git is needed to apply ${files.map((f) => `patches/${f}`).join(', ')}: install git (Debian: apt-get install git) and run npm ci again`);
  }
}
for (const file of files) {
  const id = parsePatchName(file);
  if (!id) fail(`patches/${file}: the name must be <package>+<version>.patch`);
  const manifest = path.join(root, 'node_modules', id.name, 'package.json');
  if (!existsSync(manifest)) fail(`patches/${file}: node_modules/${id.name} is not installed`);
  const installed = JSON.parse(readFileSync(manifest, 'utf8')).version;
  if (installed !== id.version) {
    fail(`patches/${file} is for ${id.name} ${id.version}, but ${installed} is installed: port the patch to ${installed} (and rename it), or pin ${id.name} to ${id.version} in package.json`);
  }
  const pkgDir = realpathSync(path.dirname(manifest));
  const patchFile = path.join(patchDir, file);
  if (gitApply(pkgDir, patchFile, ['--check', '-R']).ok) {
    console.log(`apply-patches: ${file} already applied`);
    continue;
  }
  const forward = gitApply(pkgDir, patchFile, ['--check']);
  if (!forward.ok) fail(`patches/${file} does not apply to ${pkgDir} (changed by hand, or partly applied?):\n${forward.output}\nReinstall the package (rm -rf node_modules/${id.name} && npm ci) and retry.`);
  if (checkOnly) fail(`patches/${file} is not applied: run node scripts/apply-patches.mjs`);
  const applied = gitApply(pkgDir, patchFile, []);
  if (!applied.ok) fail(`patches/${file} failed to apply:\n${applied.output}`);
  console.log(`apply-patches: applied ${file} to ${path.relative(root, pkgDir) || pkgDir}`);
}
