import http from 'node:http';
import net from 'node:net';
import type { NetbootConfigInput } from '../../main/contract/netboot';
import { validateNetbootConfig, type ResolvedNetbootConfig } from '../../main/netboot/config-validation';

// Shared by the netboot integration tests: a config for loopback tests and small HTTP clients.

export const MAC1 = '52:54:00:a1:9c:ae';
export const MAC2 = '52:54:00:a1:9c:b0';
export const DC_UUID = '8f3c1e2a-5b7d-4c1e-9a2f-3d4b5c6e7f80';

export const AGENT_CONFIG = {
  supervisor: { images: [{ uri: 'http://10.40.23.250/boot/userland-nvidia.tar.zst', mountpoint: '/' }] },
  metrics: {
    input: { bminer: { device: 'http://127.0.0.1:1880/api/v1/status/device', solver: 'http://127.0.0.1:1880/api/v1/status/solver' } },
    output: { influxdb: { url: 'http://10.40.23.250:8086', db: 'miners' } },
  },
};

/**
 * Clients on loopback: 127.0.0.1 is a plain client ("lo" subnet), 127.0.0.2 is the trusted
 * proxy (its X-Forwarded-For is believed), the farm subnets are reached through it.
 */
export function testConfigInput(overrides: Partial<NetbootConfigInput> = {}): NetbootConfigInput {
  return {
    listen: { host: '127.0.0.1', port: 0 },
    serverUrl: 'http://10.40.23.250',
    trustedProxies: ['127.0.0.2/32'],
    retryDelaySec: 7,
    stuckAfterSec: 300,
    defaults: {
      script: [
        '#!ipxe',
        'echo {{subnetName}} {{ip}} {{mac}}',
        'kernel {{bootUrl}}/vmlinuz?mac={{mac}} initrd=initrd-zrt {{kernelArgs}}',
        'initrd --name initrd-zrt {{bootUrl}}/initrd-zrt?mac={{mac}}',
        'boot',
      ],
      kernelArgs: 'console=ttyS0,115200n8 ip=dhcp',
      datacenterUuid: DC_UUID,
      agentConfig: AGENT_CONFIG,
      etcdKeys: { dcConfig: '/farm/dc/{uuid}/config', workerEnv: '/farm/workers/{mac}/env' },
    },
    subnets: [
      { name: 'lo', cidr: '127.0.0.1/32' },
      { name: 'rack-a', cidr: '10.40.24.0/24' },
      { name: 'rack-v6', cidr: 'fd00:40:24::/64' },
    ],
    ...overrides,
  };
}

export function resolved(input: NetbootConfigInput, baseDir?: string): ResolvedNetbootConfig {
  const r = validateNetbootConfig(input, baseDir === undefined ? {} : { baseDir });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export function get(
  port: number,
  path: string,
  options: { headers?: Record<string, string>; localAddress?: string; method?: string; agent?: http.Agent } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, localAddress: options.localAddress, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Writes raw bytes and collects the answer until the server closes or timeoutMs passes. */
export function raw(
  port: number,
  data: string | Buffer,
  options: { timeoutMs?: number; localAddress?: string; endAfterWrite?: boolean } = {},
): Promise<{ text: string; status: number | undefined; closedByServer: boolean; elapsedMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: options.localAddress });
    const chunks: Buffer[] = [];
    let closedByServer = false;
    const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? 5000);
    socket.on('connect', () => {
      socket.write(data);
      if (options.endAfterWrite) socket.end();
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      closedByServer = true;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : undefined, closedByServer, elapsedMs: Date.now() - started });
    });
  });
}
