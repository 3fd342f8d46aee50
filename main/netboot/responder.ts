import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Clock } from '../contract/clock';
import type { MacSource, NetbootCounters, NetbootOutcome, NetbootStep } from '../contract/netboot';
import { normalizeMac } from '../farm/mac-address';
import { BootFileDirectory, bootFileStep, parseBootPath } from './boot-files';
import type { IpAddress } from './cidr';
import type { ResolvedNetbootConfig, ResolvedSubnet } from './config-validation';
import type { EtcdReader } from './etcd-reader';
import { resolveClientAddress } from './forwarded-for';
import { parseRange } from './http-range';
import { buildInitialEnv } from './initial-env';
import { escapeIpxeValue, fallbackScript, renderIpxeTemplate } from './ipxe-template';
import type { NeighbourTable } from './neighbour-table';
import type { RecordInput, TimelineRecorder } from './timeline-recorder';

/**
 * The request handler of the netboot responder (the shepherd API):
 *   GET /api/v1/pxe (also /boot.ipxe)  the subnet's iPXE script, or a fallback script that says
 *                                      why and retries (never an error status: iPXE would stop)
 *   GET /api/v1/get-config             the subnet's AgentConfig (JSON)
 *   GET /api/v1/get-initial-config     the worker env: dc config + worker env from etcd, merged
 *   GET /boot/<path>                   boot files (Range, streaming) or a 302 to the upstream
 * Read-only: GET and HEAD only, request bodies refused. Identity: see forwarded-for.ts; the MAC
 * from ?mac=, else the neighbour table (else, for non-boot steps, the MAC last seen at that IP).
 */

export interface ResponderDeps {
  config(): ResolvedNetbootConfig;
  recorder: TimelineRecorder;
  /** undefined: no neighbour lookups (the MAC must come in ?mac=). */
  neighbours: NeighbourTable | undefined;
  etcd(): EtcdReader | undefined;
  clock: Clock;
  counters: NetbootCounters;
  /** Each etcd read's outcome, for the source's health. */
  onEtcdResult(ok: boolean, reason?: string): void;
  log(line: string): void;
}

/** A MAC learnt from an earlier request from the same address is trusted this long. */
export const RECENT_MAC_MAX_AGE_MS = 15 * 60_000;

const PXE_PATHS = new Set(['/api/v1/pxe', '/boot.ipxe']);

type MacResult = { mac: string; source: MacSource } | { mac?: undefined; reason: string };

export class NetbootResponder {
  private bootDir: BootFileDirectory | undefined;

  constructor(private readonly deps: ResponderDeps) {}

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const counters = this.deps.counters;
    counters.requests++;
    res.setHeader('X-Content-Type-Options', 'nosniff');
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') {
      sendText(req, res, 405, 'only GET and HEAD are served: the netboot responder is read-only', { Allow: 'GET, HEAD' });
      return;
    }
    const length = req.headers['content-length'];
    if ((length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined) {
      counters.badRequests++;
      sendText(req, res, 400, 'request bodies are not accepted', { Connection: 'close' });
      return;
    }
    const url = req.url ?? '';
    if (url.charCodeAt(0) !== 47 /* "/" */) {
      counters.badRequests++;
      sendText(req, res, 400, 'the request target must be a path starting with "/"');
      return;
    }
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? undefined : new URLSearchParams(url.slice(q + 1));
    // The script and the agent config are answered synchronously when the request names its MAC
    // (no lookup to wait for): no promise per request on the hot path.
    let work: Promise<void> | undefined;
    try {
      if (PXE_PATHS.has(rawPath)) work = this.pxe(req, res, rawPath, query);
      else if (rawPath === '/api/v1/get-config') work = this.agentConfig(req, res, query);
      else if (rawPath === '/api/v1/get-initial-config') work = this.initialConfig(req, res, query);
      else if (rawPath.startsWith('/boot/')) work = this.bootFile(req, res, rawPath.slice(6), query);
      else if (rawPath === '/' || rawPath === '/healthz') {
        sendText(req, res, 200, 'Drover netboot responder');
        return;
      } else {
        counters.notFound++;
        sendText(req, res, 404, `no such endpoint: ${printable(rawPath)}`);
        return;
      }
    } catch (err) {
      this.internalError(req, res, rawPath, err);
      return;
    }
    work?.catch((err: unknown) => this.internalError(req, res, rawPath, err));
  };

  private internalError(req: IncomingMessage, res: ServerResponse, rawPath: string, err: unknown): void {
    this.deps.counters.internalErrors++;
    this.deps.log(`netboot: internal error on ${printable(rawPath)}: ${err instanceof Error ? err.message : String(err)}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (PXE_PATHS.has(rawPath)) {
      const cfg = this.deps.config();
      sendScript(req, res, fallbackScript({ reason: ['the responder failed on this request (see its log)'], retryDelaySec: cfg.retryDelaySec, retryUrl: retryUrl(cfg) }), true);
      return;
    }
    sendText(req, res, 500, 'the netboot responder failed on this request (see its log)');
  }

  private record(req: IncomingMessage, input: RecordInput): void {
    if (req.method === 'GET') this.deps.recorder.record(input);
  }

  private client(req: IncomingMessage, cfg: ResolvedNetbootConfig) {
    return resolveClientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], cfg.trustedProxies);
  }

  /** A valid ?mac=: the usual case, answered without a lookup (and without awaiting one). */
  private queryMac(query: URLSearchParams | undefined): MacResult | undefined {
    const param = query?.get('mac');
    if (param === undefined || param === null) return undefined;
    const mac = normalizeMac(param);
    return mac === undefined ? undefined : { mac, source: 'query' };
  }

  private async resolveMac(ip: IpAddress, query: URLSearchParams | undefined, allowRecent: boolean): Promise<MacResult> {
    const notes: string[] = [];
    const param = query?.get('mac');
    if (param !== undefined && param !== null) {
      const mac = normalizeMac(param);
      if (mac) return { mac, source: 'query' };
      notes.push(param === '' ? 'the mac parameter is empty (did ${net0/mac} expand to nothing?)' : `the mac parameter ${quoted(param)} is not a MAC address`);
    } else {
      notes.push('no mac parameter');
    }
    if (this.deps.neighbours) {
      const n = await this.deps.neighbours.lookup(ip);
      if (n.mac !== undefined) return { mac: n.mac, source: 'neighbour' };
      notes.push(n.reason);
    } else {
      notes.push('neighbour-table lookups are off');
    }
    if (allowRecent) {
      const mac = this.deps.recorder.macForIp(ip.text, RECENT_MAC_MAX_AGE_MS);
      if (mac !== undefined) return { mac, source: 'recent' };
    }
    return { reason: notes.join('; ') };
  }

  // ---- /api/v1/pxe ----

  private pxe(req: IncomingMessage, res: ServerResponse, rawPath: string, query: URLSearchParams | undefined): Promise<void> | undefined {
    const cfg = this.deps.config();
    const client = this.client(req, cfg);
    if (!client.ok) {
      this.pxeFallback(req, res, rawPath, cfg, [client.reason], { ip: client.peer?.text ?? 'unknown' });
      return undefined;
    }
    const ip = client.ip;
    const match = cfg.matcher.match(ip);
    if (!match) {
      this.pxeFallback(req, res, rawPath, cfg, [`no netboot entry for ${ip.text}: no configured subnet contains it.`], { ip: ip.text });
      return undefined;
    }
    const mac = this.queryMac(query);
    if (mac) {
      this.servePxe(req, res, rawPath, cfg, ip, match.value, mac);
      return undefined;
    }
    return this.resolveMac(ip, query, false).then((m) => this.servePxe(req, res, rawPath, cfg, ip, match.value, m));
  }

  private pxeFallback(req: IncomingMessage, res: ServerResponse, rawPath: string, cfg: ResolvedNetbootConfig, reason: string[], input: Omit<RecordInput, 'step' | 'outcome' | 'status'>): void {
    this.deps.counters.fallbacks++;
    sendScript(req, res, fallbackScript({ reason, retryDelaySec: cfg.retryDelaySec, retryUrl: retryUrl(cfg, rawPath) }), true);
    this.record(req, { ...input, step: 'script', outcome: 'fallback', status: 200, reason: reason.join(' ') });
  }

  private servePxe(req: IncomingMessage, res: ServerResponse, rawPath: string, cfg: ResolvedNetbootConfig, ip: IpAddress, subnet: ResolvedSubnet, mac: MacResult): void {
    const where = { name: subnet.name, cidr: subnet.cidr.text };
    if (mac.mac === undefined) {
      this.pxeFallback(req, res, rawPath, cfg, [`the MAC of ${ip.text} (subnet ${subnet.name}) is unknown: ${mac.reason}.`, 'Asking again with ?mac=${net0/mac}.'], { ip: ip.text, subnet: where });
      return;
    }
    const script = renderIpxeTemplate(subnet.script, {
      serverUrl: cfg.serverUrl,
      bootUrl: cfg.bootUrl,
      mac: mac.mac,
      macHyphen: mac.mac.replace(/:/g, '-'),
      ip: ip.text,
      subnet: subnet.cidr.text,
      subnetName: subnet.name,
      uuid: subnet.datacenterUuid,
      kernelArgs: subnet.kernelArgs,
    });
    this.deps.counters.scripts++;
    sendScript(req, res, script, false);
    this.record(req, { ip: ip.text, mac: mac.mac, macSource: mac.source, subnet: where, step: 'script', outcome: 'ok', status: 200 });
  }

  // ---- /api/v1/get-config ----

  private agentConfig(req: IncomingMessage, res: ServerResponse, query: URLSearchParams | undefined): Promise<void> | undefined {
    const cfg = this.deps.config();
    const client = this.client(req, cfg);
    if (!client.ok) {
      this.deps.counters.badRequests++;
      sendJsonError(req, res, 400, 'BAD_REQUEST', client.reason);
      return undefined;
    }
    const mac = this.queryMac(query);
    if (mac) {
      this.serveAgentConfig(req, res, cfg, client.ip, mac);
      return undefined;
    }
    return this.resolveMac(client.ip, query, true).then((m) => this.serveAgentConfig(req, res, cfg, client.ip, m));
  }

  private serveAgentConfig(req: IncomingMessage, res: ServerResponse, cfg: ResolvedNetbootConfig, ip: IpAddress, mac: MacResult): void {
    const match = cfg.matcher.match(ip);
    const who = identity(ip.text, mac);
    if (!match) {
      const reason = `no netboot entry for ${ip.text}: no configured subnet contains it`;
      this.deps.counters.notFound++;
      sendJsonError(req, res, 404, 'NOT_FOUND', reason);
      this.record(req, { ...who, step: 'config', outcome: 'refused', status: 404, reason });
      return;
    }
    const subnet = match.value;
    this.deps.counters.configs++;
    send(req, res, 200, subnet.agentConfigJson, 'application/json');
    this.record(req, { ...who, subnet: subnetRef(subnet), step: 'config', outcome: 'ok', status: 200 });
  }

  // ---- /api/v1/get-initial-config ----

  private async initialConfig(req: IncomingMessage, res: ServerResponse, query: URLSearchParams | undefined): Promise<void> {
    const cfg = this.deps.config();
    const counters = this.deps.counters;
    const client = this.client(req, cfg);
    if (!client.ok) {
      counters.badRequests++;
      sendText(req, res, 400, client.reason);
      return;
    }
    const ip = client.ip;
    const match = cfg.matcher.match(ip);
    const mac = this.queryMac(query) ?? (await this.resolveMac(ip, query, true));
    const who = identity(ip.text, mac);
    const fail = (status: number, outcome: NetbootOutcome, reason: string, headers: Record<string, string> = {}, subnet?: ResolvedSubnet) => {
      sendText(req, res, status, reason, headers);
      this.record(req, { ...who, ...(subnet ? { subnet: subnetRef(subnet) } : {}), step: 'env', outcome, status, reason });
    };
    if (!match) {
      counters.notFound++;
      fail(404, 'refused', `no netboot entry for ${ip.text}: no configured subnet contains it`);
      return;
    }
    const subnet = match.value;
    if (mac.mac === undefined) {
      counters.notFound++;
      fail(404, 'refused', `cannot tell which worker ${ip.text} is: ${mac.reason}`, {}, subnet);
      return;
    }
    const retry = { 'Retry-After': String(cfg.retryDelaySec) };
    const etcd = this.deps.etcd();
    if (!etcd) {
      counters.unavailable++;
      fail(503, 'unavailable', 'etcd is not configured for the netboot responder (add "etcd" to its config); no env was sent', retry, subnet);
      return;
    }
    const abort = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) abort.abort();
    };
    res.once('close', onClose);
    const started = this.deps.clock.now();
    const result = await buildInitialEnv(subnet, mac.mac, etcd, abort.signal);
    res.off('close', onClose);
    if (!result.ok) {
      if (result.kind === 'cancelled') {
        this.record(req, { ...who, subnet: subnetRef(subnet), step: 'env', outcome: 'failed', status: 0, reason: 'the client left before the env was read' });
        return;
      }
      if (result.kind === 'unavailable') {
        this.deps.onEtcdResult(false, result.reason);
        counters.unavailable++;
        fail(503, 'unavailable', `${result.reason}; no env was sent, retry in ${cfg.retryDelaySec} s`, retry, subnet);
        return;
      }
      this.deps.onEtcdResult(true);
      if (result.kind === 'not-found') counters.notFound++;
      fail(result.kind === 'not-found' ? 404 : 502, 'refused', result.reason, {}, subnet);
      return;
    }
    this.deps.onEtcdResult(true);
    counters.envs++;
    send(req, res, 200, result.text, 'text/plain; charset=utf-8');
    this.record(req, {
      ...who,
      subnet: subnetRef(subnet),
      step: 'env',
      outcome: 'ok',
      status: 200,
      bytes: Buffer.byteLength(result.text),
      durationMs: this.deps.clock.now() - started,
    });
  }

  // ---- /boot/<path> ----

  private async bootFile(req: IncomingMessage, res: ServerResponse, rawRelative: string, query: URLSearchParams | undefined): Promise<void> {
    const cfg = this.deps.config();
    const counters = this.deps.counters;
    const client = this.client(req, cfg);
    const parsed = parseBootPath(rawRelative);
    if (!client.ok || !parsed.ok) {
      counters.badRequests++;
      sendText(req, res, 400, client.ok ? `refused: ${(parsed as { reason: string }).reason}` : client.reason);
      if (client.ok) this.record(req, { ip: client.ip.text, step: 'file', outcome: 'refused', status: 400, reason: (parsed as { reason: string }).reason });
      return;
    }
    const relative = parsed.relative;
    const step: NetbootStep = bootFileStep(relative);
    const match = cfg.matcher.match(client.ip);
    const mac = this.queryMac(query) ?? (await this.resolveMac(client.ip, query, true));
    const base = { ...identity(client.ip.text, mac), ...(match ? { subnet: subnetRef(match.value) } : {}), step, path: relative };
    const upstream = cfg.upstreamUrl;
    if (cfg.bootDir !== undefined) {
      if (this.bootDir?.dir !== cfg.bootDir) this.bootDir = new BootFileDirectory(cfg.bootDir);
      const opened = await this.bootDir.open(relative);
      if (opened.kind === 'refused') {
        counters.badRequests++;
        sendText(req, res, 403, `refused: ${opened.reason}`);
        this.record(req, { ...base, outcome: 'refused', status: 403, reason: opened.reason });
        return;
      }
      if (opened.kind === 'file') {
        counters.files++;
        await this.stream(req, res, opened, base);
        return;
      }
      if (upstream === undefined) {
        counters.notFound++;
        sendText(req, res, 404, opened.reason);
        this.record(req, { ...base, outcome: 'refused', status: 404, reason: opened.reason });
        return;
      }
    }
    if (upstream === undefined) {
      counters.notFound++;
      sendText(req, res, 404, 'no boot files are configured (bootFiles.dir or bootFiles.upstreamUrl)');
      return;
    }
    counters.files++;
    const location = `${upstream}/${relative.split('/').map(encodeURIComponent).join('/')}`;
    res.writeHead(302, { Location: location, 'Content-Length': '0', 'Cache-Control': 'no-store' });
    res.end();
    this.record(req, { ...base, outcome: 'ok', status: 302, reason: `redirected to ${upstream}` });
  }

  private async stream(
    req: IncomingMessage,
    res: ServerResponse,
    file: Extract<Awaited<ReturnType<BootFileDirectory['open']>>, { kind: 'file' }>,
    base: Omit<RecordInput, 'outcome' | 'status'>,
  ): Promise<void> {
    const { handle, size, mtimeMs } = file;
    const etag = `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
    const ifRange = req.headers['if-range'];
    const range = ifRange === undefined || ifRange === etag ? parseRange(headerText(req.headers.range), size) : ({ kind: 'none' } as const);
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      ETag: etag,
      'Last-Modified': new Date(mtimeMs).toUTCString(),
      'Cache-Control': 'no-cache',
    };
    if (range.kind === 'unsatisfiable') {
      await handle.close().catch(() => undefined);
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': '0' });
      res.end();
      this.record(req, { ...base, outcome: 'refused', status: 416, reason: `the requested range is outside the file (${size} bytes)` });
      return;
    }
    const start = range.kind === 'range' ? range.start : 0;
    const end = range.kind === 'range' ? range.end : size - 1;
    const length = size === 0 ? 0 : end - start + 1;
    const status = range.kind === 'range' ? 206 : 200;
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    headers['Content-Length'] = String(length);
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || length === 0) {
      await handle.close().catch(() => undefined);
      res.end();
      if (req.method === 'GET') this.record(req, { ...base, outcome: 'ok', status, bytes: 0 });
      return;
    }
    const started = this.deps.clock.now();
    const source = handle.createReadStream({ start, end, highWaterMark: 256 * 1024 });
    try {
      await pipeline(source, res);
      this.record(req, { ...base, outcome: 'ok', status, bytes: length, durationMs: this.deps.clock.now() - started });
    } catch {
      const sent = Math.max(0, Math.min(length, source.bytesRead - res.writableLength));
      this.record(req, {
        ...base,
        outcome: 'failed',
        status,
        bytes: sent,
        durationMs: this.deps.clock.now() - started,
        reason: `the transfer stopped after about ${sent} of ${length} bytes (the client closed the connection or stalled)`,
      });
    } finally {
      if (!source.destroyed) source.destroy();
    }
  }
}

// ---- helpers ----

function retryUrl(cfg: ResolvedNetbootConfig, rawPath = '/api/v1/pxe'): string {
  // ${net0/mac} is left for iPXE to expand: the retry then names its MAC.
  return `${escapeIpxeValue(cfg.serverUrl)}${rawPath}?mac=\${net0/mac}`;
}

function subnetRef(s: ResolvedSubnet): { name: string; cidr: string } {
  return { name: s.name, cidr: s.cidr.text };
}

function identity(ip: string, mac: MacResult): Pick<RecordInput, 'ip' | 'mac' | 'macSource'> {
  return mac.mac === undefined ? { ip } : { ip, mac: mac.mac, macSource: mac.source };
}

function headerText(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function printable(s: string): string {
  const t = s.length > 200 ? `${s.slice(0, 199)}…` : s;
  return t.replace(/[^\x20-\x7e]/g, '?');
}

function quoted(s: string): string {
  return JSON.stringify(printable(s.length > 40 ? `${s.slice(0, 39)}…` : s));
}

function send(req: IncomingMessage, res: ServerResponse, status: number, body: string, contentType: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendText(req: IncomingMessage, res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  send(req, res, status, status < 300 ? `${message}\n` : `drover netboot: ${message}\n`, 'text/plain; charset=utf-8', headers);
}

function sendJsonError(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): void {
  send(req, res, status, JSON.stringify({ error: { code, message } }), 'application/json');
}

function sendScript(req: IncomingMessage, res: ServerResponse, script: string, isFallback: boolean): void {
  send(req, res, 200, script, 'text/plain; charset=utf-8', isFallback ? { 'X-Drover-Netboot': 'fallback' } : {});
}
