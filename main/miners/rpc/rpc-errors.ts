import { AppError } from '../../contract/errors';

/** A JSON-RPC error object as go-jsonrpc sends it. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
  meta?: unknown;
}

/** The URL without credentials (no ?token=, no user:password@), for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    if (u.searchParams.has('token')) u.searchParams.set('token', '…');
    return u.toString();
  } catch {
    return url.replace(/token=[^&\s]*/g, 'token=…');
  }
}

const PERMISSION = /missing permission to invoke '([^']+)' \(need '([^']+)'\)/;

/** Maps a JSON-RPC error answer of lotus to an AppError with a useful hint. */
export function rpcErrorToAppError(method: string, where: string, err: JsonRpcErrorObject): AppError {
  const details = { method, endpoint: where, rpcCode: err.code };
  const msg = String(err.message ?? '').slice(0, 2000);
  const perm = PERMISSION.exec(msg);
  if (perm) {
    return new AppError('PERMISSION_DENIED', `${where} refused ${method}: the token lacks the '${perm[2]}' permission`, {
      hint: `Use a token with '${perm[2]}' (e.g. \`lotus-miner auth create-token --perm ${perm[2]}\`, or the admin token in ~/.lotusminer/token for the miner, ~/.lotus/token for the node). Without a token lotus grants only 'read'.`,
      details: { ...details, need: perm[2] },
    });
  }
  switch (err.code) {
    case -32601:
      if (/not supported in this mode/.test(msg)) {
        return new AppError('UNSUPPORTED', `${method} returns a channel and works only over a WebSocket`, { hint: 'Subscribe through the WebSocket (ws:// URL) instead of HTTP POST.', details });
      }
      return new AppError('UNSUPPORTED', `${where} has no method ${method}`, {
        hint: 'This lotus version does not offer it, or it belongs to the other daemon (miner API on :2345 /rpc/v0, full node on :1234 /rpc/v1).',
        details,
      });
    case -32602:
      return new AppError('UNSUPPORTED', `${where} rejected the parameters of ${method}: ${msg}`, { hint: 'The lotus API version differs from the one Drover speaks (check /rpc/v0 vs /rpc/v1).', details });
    case -32700:
    case -32600:
      return new AppError('INVALID_INPUT', `${where} could not read the ${method} request: ${msg}`, { details });
    default:
      if (/not found/i.test(msg)) return new AppError('NOT_FOUND', `${method}: ${msg}`, { details });
      return new AppError('INTERNAL', `${method} failed on ${where}: ${msg}`, { details });
  }
}

/** An HTTP answer without a usable JSON-RPC body. */
export function httpStatusError(method: string, where: string, status: number, body: string): AppError {
  const details = { method, endpoint: where, httpStatus: status };
  if (status === 401) {
    return new AppError('UNAUTHENTICATED', `${where} refused the API token (HTTP 401)`, {
      hint: 'The token is wrong, expired or from another lotus repo: take it from MINER_API_INFO / FULLNODE_API_INFO or `lotus-miner auth api-info --perm admin`.',
      details,
    });
  }
  if (status === 403) return new AppError('PERMISSION_DENIED', `${where} refused ${method} (HTTP 403)`, { details });
  if (status === 404) {
    return new AppError('UNAVAILABLE', `${where} has no JSON-RPC endpoint at that path (HTTP 404)`, { hint: 'The miner API is /rpc/v0, the full node /rpc/v1.', details });
  }
  const snippet = body.trim().slice(0, 200);
  return new AppError('UNAVAILABLE', `${where} answered ${method} with HTTP ${status}${snippet ? `: ${snippet}` : ''}`, { details });
}

/** A connection-level failure (refused, reset, DNS, TLS). */
export function transportError(method: string, where: string, err: unknown): AppError {
  const cause = err as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const code = cause?.cause?.code ?? cause?.code;
  const reason = [code, cause?.cause?.message ?? cause?.message].filter(Boolean).join(' ');
  return new AppError('UNAVAILABLE', `cannot reach ${where}${reason ? ` (${reason.slice(0, 300)})` : ''}`, {
    hint: 'Is the daemon running and listening there (config [API] ListenAddress)? If it is reached through a Drover tunnel, check that the tunnel is up.',
    details: { method, endpoint: where, ...(code ? { reason: code } : {}) },
    cause: err,
  });
}

export function timeoutError(method: string, where: string, timeoutMs: number): AppError {
  return new AppError('TIMEOUT', `${where} did not answer ${method} within ${timeoutMs} ms`, {
    hint: method.endsWith('WorkerStats') ? 'WorkerStats waits up to 3 s for each worker: with many slow workers raise the timeout.' : 'The daemon may be busy (syncing, or a slow disk): raise the timeout or try again.',
    details: { method, endpoint: where, timeoutMs },
  });
}
