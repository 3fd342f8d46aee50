import http from 'node:http';
import path from 'node:path';
import { getFreePorts, LOOPBACK } from './ports';
import { startProcess, type ReadyProbe } from './proc';
import { ensureBinary } from './require-binary';
import { makeTempDir } from './tmp';
import { restartableServer } from './restartable-server';

export interface EtcdOptions {
  /** Member name (default "drover-test"). */
  name?: string;
  /** Extra command-line flags, e.g. ["--auto-compaction-retention=1"]. */
  extraArgs?: readonly string[];
  readyTimeoutMs?: number;
  /** Default /usr/bin/etcd (package etcd-server). */
  etcdPath?: string;
}

export interface EtcdHandle {
  /** "http://127.0.0.1:PORT", for etcd3's `hosts` or etcdctl's --endpoints. */
  readonly endpoint: string;
  readonly host: typeof LOOPBACK;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  /** PID of the running etcd (changes on restart); -1 while down. */
  readonly pid: number;
  readonly running: boolean;
  /** Output of the current or last etcd process. */
  logs(): string;
  /** Stops etcd, keeping ports and data for up(). */
  down(): Promise<void>;
  /** Starts etcd again with the same ports and data dir. */
  up(): Promise<void>;
  restart(): Promise<void>;
  /** Stops etcd and removes the data. Idempotent. */
  stop(): Promise<void>;
}

/**
 * KV reads etcd has handled (Range + Txn, any code), from its own /metrics on the client URL:
 * how a test or bench counts the etcd calls a client made without wrapping the client.
 */
export async function etcdKvReads(endpoint: string): Promise<number> {
  const text = await (await fetch(`${endpoint}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('grpc_server_handled_total{')) continue;
    if (!line.includes('grpc_service="etcdserverpb.KV"') || !/grpc_method="(Range|Txn)"/.test(line)) continue;
    n += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return n;
}

/** Ready once GET /health answers {"health":"true"}. */
export function etcdHealthProbe(endpoint: string): ReadyProbe {
  return (signal) =>
    new Promise((resolve) => {
      const request = http.get(`${endpoint}/health`, { signal }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          try {
            const health = (JSON.parse(body) as { health?: unknown }).health;
            resolve(response.statusCode === 200 && (health === true || health === 'true'));
          } catch {
            resolve(false);
          }
        });
        response.on('error', () => resolve(false));
      });
      request.on('error', () => resolve(false));
    });
}

/** Starts a single-member etcd on 127.0.0.1 (random client and peer ports, throwaway data dir). */
export async function startEtcd(options: EtcdOptions = {}): Promise<EtcdHandle> {
  const etcd = await ensureBinary(options.etcdPath ?? '/usr/bin/etcd', 'etcd-server');
  const tmp = await makeTempDir('drover-etcd-');
  const dataDir = path.join(tmp.path, 'data');
  const [clientPort, peerPort] = (await getFreePorts(2)) as [number, number];
  const name = options.name ?? 'drover-test';
  const clientUrl = `http://${LOOPBACK}:${clientPort}`;
  const peerUrl = `http://${LOOPBACK}:${peerPort}`;
  const args = [
    '--name', name,
    '--data-dir', dataDir,
    '--listen-client-urls', clientUrl,
    '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `${name}=${peerUrl}`,
    '--initial-cluster-state', 'new',
    ...(options.extraArgs ?? []),
  ];
  // ETCD_* variables would silently override the flags above.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ETCD')));

  const server = restartableServer('etcd', tmp, () =>
    startProcess({
      name: 'etcd',
      command: etcd,
      args,
      env,
      ready: etcdHealthProbe(clientUrl),
      readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
    }),
  );

  try {
    await server.up();
  } catch (error) {
    await server.stop().catch(() => {});
    throw error;
  }

  return {
    endpoint: clientUrl,
    host: LOOPBACK,
    clientPort,
    peerPort,
    dataDir,
    get pid() {
      return server.pid;
    },
    get running() {
      return server.running;
    },
    logs: server.logs,
    down: server.down,
    up: server.up,
    restart: server.restart,
    stop: server.stop,
  };
}
