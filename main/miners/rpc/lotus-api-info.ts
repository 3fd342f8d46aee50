import { AppError } from '../../contract/errors';

export interface LotusEndpoint {
  /** http(s):// URL of the JSON-RPC path. */
  url: string;
  token?: string;
}

/**
 * Reads a lotus API info string ("<JWT>:<multiaddr>" as in MINER_API_INFO / FULLNODE_API_INFO, e.g.
 * "eyJ…:/ip4/10.20.0.11/tcp/2345/http"; the address may also be a URL) into a URL with the JSON-RPC
 * path: /rpc/v0 for the miner and worker APIs, /rpc/v1 for the full node.
 */
export function parseLotusApiInfo(info: string, version: 'v0' | 'v1'): LotusEndpoint {
  const s = info.trim();
  const bare = s.startsWith('/') || /^(https?|wss?):\/\//i.test(s);
  const sep = bare ? -1 : s.indexOf(':');
  const token = sep > 0 ? s.slice(0, sep) : undefined;
  const address = sep >= 0 ? s.slice(sep + 1) : s;
  const base = multiaddrToUrl(address);
  const url = /\/rpc\/v\d+\/?$/.test(base) ? base : `${base.replace(/\/$/, '')}/rpc/${version}`;
  return token ? { url, token } : { url };
}

function multiaddrToUrl(addr: string): string {
  if (/^(https?|wss?):\/\//i.test(addr)) return addr.replace(/^ws(s?):/i, 'http$1:');
  const parts = addr.split('/').filter(Boolean);
  let host: string | undefined;
  let port: string | undefined;
  let scheme = 'http';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const next = parts[i + 1];
    if ((p === 'ip4' || p === 'dns' || p === 'dns4' || p === 'dns6') && next) host = next;
    else if (p === 'ip6' && next) host = `[${next}]`;
    else if (p === 'tcp' && next) port = next;
    else if (p === 'https' || p === 'wss' || p === 'tls') scheme = 'https';
    else continue;
    if (p !== 'https' && p !== 'wss' && p !== 'tls') i++;
  }
  if (!host || !port || !/^\d{1,5}$/.test(port)) throw new AppError('INVALID_INPUT', `"${addr.slice(0, 200)}" is not a lotus API address (expected e.g. /ip4/127.0.0.1/tcp/2345/http)`);
  return `${scheme}://${host}:${port}`;
}
