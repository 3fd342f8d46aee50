import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { systemClock } from '../contract/clock';
import type { Disposable } from '../contract/lifecycle';
import type { AppContract } from '../contract/define';
import { AppError } from '../contract/errors';
import { DEFAULT_MAX_FRAME_CHARS } from '../contract/frames';
import { appContract, type AppContractType } from '../contract/index';
import { createClient, type ClientOptions, type RpcClient } from '../contract/rpc-client';
import { RPC_PATH, wsMaxPayloadBytes } from './web-host';
import { createWebSocketEndpoint } from './ws-endpoint';

export interface ConnectWebHostOptions<C extends AppContract = AppContractType> {
  /** Default: the ?token= of the url. */
  token?: string;
  /** Sent as the Origin header; Node sends none by default (allowed with a bearer token). */
  origin?: string;
  /** Default: the whole app contract. */
  contract?: C;
  /** How long opening the socket and receiving the server's hello may take. Default 10 s. */
  timeoutMs?: number;
  client?: ClientOptions;
}

/** ws://HOST:PORT/rpc for the page URL a web host prints (http://HOST:PORT/?token=...). */
export function rpcUrlOf(url: string): string {
  const u = new URL(url);
  const scheme = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss' : 'ws';
  return `${scheme}://${u.host}${RPC_PATH}`;
}

function readSmallBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (body.length < 1024) body += chunk;
    });
    res.on('end', () => resolve(body.trim().slice(0, 1024)));
    res.on('error', () => resolve(body.trim()));
  });
}

/**
 * A typed client of a running web host (`drover serve`), from the URL it printed. Authenticates
 * with the token as a bearer header. Resolves once the server said hello.
 */
export async function connectWebHost<C extends AppContract = AppContractType>(
  url: string,
  options: ConnectWebHostOptions<C> = {},
): Promise<RpcClient<C>> {
  const token = options.token ?? new URL(url).searchParams.get('token') ?? undefined;
  if (!token) throw new AppError('UNAUTHENTICATED', 'no token: pass the full URL printed by `drover serve` (with ?token=)');
  const contract = (options.contract ?? appContract) as C;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxFrameChars = options.client?.maxFrameChars ?? DEFAULT_MAX_FRAME_CHARS;
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  const ws = new WebSocket(rpcUrlOf(url), {
    headers,
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    perMessageDeflate: false,
    maxPayload: wsMaxPayloadBytes(maxFrameChars),
    handshakeTimeout: timeoutMs,
  });
  const endpoint = createWebSocketEndpoint(ws);
  const client = createClient(endpoint, contract, options.client);

  let timer: Disposable | undefined;
  const failure = new Promise<never>((_resolve, reject) => {
    ws.once('unexpected-response', (req, res) => {
      const status = res.statusCode ?? 0;
      void readSmallBody(res).then((body) => {
        const code = status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'PERMISSION_DENIED' : 'UNAVAILABLE';
        reject(new AppError(code, `the web host refused the connection: HTTP ${status}${body ? ` (${body})` : ''}`));
        req.destroy();
      });
    });
    ws.once('error', (err) => reject(new AppError('UNAVAILABLE', `cannot connect to ${rpcUrlOf(url)}: ${err.message}`, { cause: err })));
    timer = systemClock.setTimeout(() => reject(new AppError('TIMEOUT', `no answer from ${rpcUrlOf(url)} within ${timeoutMs} ms`)), timeoutMs);
  });
  failure.catch(() => undefined);
  try {
    await Promise.race([client.ready, failure]);
    return client;
  } catch (err) {
    client.dispose();
    ws.terminate();
    throw err;
  } finally {
    timer?.dispose();
  }
}
