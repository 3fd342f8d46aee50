/**
 * The one Content-Security-Policy for the renderer, used by the web host (HTTP header) and by
 * Electron's app:// protocol handler. Scripts only from our own origin: no 'unsafe-inline' and
 * no 'unsafe-eval' in script-src. Styles allow inline because the UI kit injects its CSS-in-JS
 * at run time (style attributes cannot run code).
 */
export function contentSecurityPolicy(opts: { connectSrc?: string[] } = {}): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", ...(opts.connectSrc ?? [])],
    'worker-src': ["'self'", 'blob:'],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    'frame-ancestors': ["'none'"],
    'frame-src': ["'none'"],
  };
  return Object.entries(directives)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
}
