import fs from 'node:fs';
import path from 'node:path';

/** Content types of what a Vite build emits (and a few more); anything else is octet-stream. */
import { contentTypeFor } from './content-types';

export { contentTypeFor };

export type StaticLookup =
  | { kind: 'file'; filePath: string; size: number; contentType: string }
  | { kind: 'bad-request'; reason: string }
  | { kind: 'not-found' };

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Maps the raw path of a request (as sent, before any normalization) to a file under root.
 * Refuses `..` segments (raw or percent-encoded), NUL bytes and backslashes, and symlinks that
 * lead outside root. "/" is index.html; directories are not listed.
 */
export async function lookupStatic(root: string, rawPath: string): Promise<StaticLookup> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'bad-request', reason: 'malformed percent-encoding in the path' };
  }
  if (!decoded.startsWith('/')) return { kind: 'bad-request', reason: 'the path must start with /' };
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'bad-request', reason: 'forbidden character in the path' };
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return { kind: 'bad-request', reason: 'dot segments are not allowed' };
  const relative = segments.length === 0 ? 'index.html' : segments.join('/');

  let realRoot: string;
  try {
    realRoot = await fs.promises.realpath(root);
  } catch {
    return { kind: 'not-found' };
  }
  const candidate = path.resolve(realRoot, relative);
  if (!isInside(realRoot, candidate)) return { kind: 'not-found' };
  let real: string;
  try {
    real = await fs.promises.realpath(candidate);
  } catch {
    return { kind: 'not-found' };
  }
  if (!isInside(realRoot, real)) return { kind: 'not-found' };
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(real);
  } catch {
    return { kind: 'not-found' };
  }
  if (!stat.isFile()) return { kind: 'not-found' };
  return { kind: 'file', filePath: real, size: stat.size, contentType: contentTypeFor(real) };
}

export function hasIndexHtml(root: string): boolean {
  try {
    return fs.statSync(path.join(root, 'index.html')).isFile();
  } catch {
    return false;
  }
}
