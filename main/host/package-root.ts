import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory holding Drover's package.json, found by walking up from this module. Works from
 * the sources (main/host/) and from the bundled CLI (dist/main/drover.mjs) alike.
 */
export function findPackageRoot(fromUrl: string = import.meta.url): string {
  const start = path.dirname(fileURLToPath(fromUrl));
  let firstFound: string | undefined;
  for (let dir = start; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      firstFound ??= dir;
      try {
        if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'drover') return dir;
      } catch {
        /* unreadable package.json: keep walking */
      }
    }
    if (path.dirname(dir) === dir) return firstFound ?? process.cwd();
  }
}

/** Where `npm run build` puts the renderer bundle. */
export function defaultStaticDir(): string {
  return path.join(findPackageRoot(), 'dist', 'renderer');
}

/** The version in Drover's package.json ("0.0.0" when it cannot be read). */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(findPackageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
