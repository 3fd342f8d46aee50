/**
 * The app:// protocol handler: serves the built renderer (dist/renderer) from app://drover/...
 * with correct MIME types and the shared CSP, and nothing outside that folder. No runtime
 * Electron dependency (it works on the Fetch API's Request/Response), so tests run it in Node.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { APP_HOST, APP_SCHEME, appContentSecurityPolicy } from './window-security';
import { contentTypeFor } from '../main/host/content-types';

/** The same content types the web host sends. */
export const mimeTypeFor = contentTypeFor;

/**
 * Maps an app:// URL to a path relative to the renderer folder, or null when the URL is not ours
 * or tries to leave the folder (.., encoded separators, NUL, drive letters, backslashes).
 */
export function appUrlToRelativePath(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.hostname !== APP_HOST || u.port !== '' || u.username !== '' || u.password !== '') {
    return null;
  }
  const segments: string[] = [];
  for (const raw of u.pathname.split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (seg === '.' || seg === '..' || /[/\\\0:]/.test(seg)) return null;
    segments.push(seg);
  }
  return segments.length === 0 ? 'index.html' : segments.join('/');
}

/** Resolves a relative path inside rootDir, or null if the result would escape it. */
export function resolveInside(rootDir: string, relativePath: string): string | null {
  const root = path.resolve(rootDir);
  const full = path.resolve(root, ...relativePath.split('/'));
  const rel = path.relative(root, full);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return full;
}

export interface AppProtocolOptions {
  /** The built renderer folder (dist/renderer, inside app.asar when packaged). */
  rootDir: string;
  /** Injected for tests; fs.promises.readFile otherwise (Electron's fs reads inside asar). */
  readFile?: (file: string) => Promise<Uint8Array>;
  /** For refused or failed requests. */
  log?: (message: string) => void;
}

function baseHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': appContentSecurityPolicy(),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
  };
}

function textResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { ...baseHeaders(), 'Content-Type': 'text/plain; charset=utf-8' } });
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

/** Builds the handler given to protocol.handle('app', ...). */
export function createAppProtocolHandler(options: AppProtocolOptions): (request: Request) => Promise<Response> {
  const readFile = options.readFile ?? ((file: string) => fs.readFile(file));
  const log = options.log ?? (() => undefined);

  const serve = async (relativePath: string, method: string): Promise<Response | null> => {
    const file = resolveInside(options.rootDir, relativePath);
    if (!file) return null;
    let body: Uint8Array;
    try {
      body = await readFile(file);
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    const headers = { ...baseHeaders(), 'Content-Type': mimeTypeFor(file), 'Content-Length': String(body.byteLength) };
    return new Response(method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), { status: 200, headers });
  };

  return async (request) => {
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') return textResponse(405, 'Method not allowed');
      const relativePath = appUrlToRelativePath(request.url);
      if (relativePath === null) {
        log(`app:// refused ${request.url.slice(0, 300)}`);
        return textResponse(404, 'Not found');
      }
      const found = await serve(relativePath, request.method);
      if (found) return found;
      // Client-side routes (no file extension) fall back to the single page.
      const last = relativePath.slice(relativePath.lastIndexOf('/') + 1);
      if (!last.includes('.')) {
        const index = await serve('index.html', request.method);
        if (index) return index;
      }
      return textResponse(404, 'Not found');
    } catch (err) {
      log(`app:// failed for ${request.url.slice(0, 300)}: ${String(err)}`);
      return textResponse(500, 'Internal error');
    }
  };
}
