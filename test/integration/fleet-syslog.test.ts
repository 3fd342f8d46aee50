import { execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../main/contract/clock';
import { SyslogMessageSchema, type SyslogMessage } from '../../main/contract/fleet';
import type { RingBuffer } from '../../main/fleet/syslog/ring-buffer';
import { createSyslogBuffer, FALLBACK_SYSLOG_PORT, SyslogReceiver, SYSLOG_PORT } from '../../main/fleet/syslog/syslog-receiver';
import { ensureBinary, LOOPBACK } from '../harness/index';

// A real receiver on 127.0.0.1 fed by util-linux `logger` (package bsdutils) and raw sockets.

let logger: string;

function newBuffer(maxMessages = 20_000): RingBuffer<SyslogMessage> {
  return createSyslogBuffer({ maxMessages, maxBytes: 64 * 1024 * 1024 });
}

function run(cmd: string, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: 30_000 }, (err, _stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message} ${stderr}`)) : resolve()));
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  logger = await ensureBinary('logger', 'bsdutils');
});

describe('syslog receiver with util-linux logger', () => {
  let rx: SyslogReceiver;
  let buffer: RingBuffer<SyslogMessage>;
  const received: SyslogMessage[] = [];

  beforeAll(async () => {
    buffer = newBuffer();
    rx = await SyslogReceiver.start({ host: LOOPBACK, port: 0, clock: systemClock, buffer });
    rx.onDidReceive((m) => received.push(m));
  });
  afterAll(async () => {
    await rx?.close();
  });

  const since = (n: number) => received.slice(n);

  it('receives --rfc3164 and --rfc5424 over UDP', async () => {
    const n = received.length;
    const udp = ['--server', LOOPBACK, '--port', String(rx.udpPort), '--udp'];
    await run(logger, [...udp, '--rfc3164', '-t', 'gpuwatch', '-p', 'local0.err', 'gpu=4 temp=83 action=alert']);
    await run(logger, [...udp, '--rfc3164', '-i', '-t', 'udhcpc', '-p', 'daemon.info', 'lease of 10.30.5.46 obtained']);
    await run(logger, [...udp, '--rfc5424', '-t', 'lotus-worker', '-p', 'local0.warning', '--msgid', 'SCHED', '--sd-id', 'drover@32473', '--sd-param', 'gpu="4"', 'failed to check worker session']);
    await waitFor(() => received.length >= n + 3, '3 UDP messages');
    const [a, b, c] = since(n);
    for (const m of [a, b, c]) {
      SyslogMessageSchema.parse(m);
      expect(m!.sender).toMatchObject({ address: '127.0.0.1', transport: 'udp' });
      expect(m!.hostname).toBe(os.hostname());
      expect(m!.seq).toBeGreaterThan(0);
    }
    expect(a).toMatchObject({ format: 'rfc3164', facility: 16, severity: 3, app: 'gpuwatch', procid: null, message: 'gpu=4 temp=83 action=alert' });
    expect(b).toMatchObject({ format: 'rfc3164', facility: 3, severity: 6, app: 'udhcpc', message: 'lease of 10.30.5.46 obtained' });
    expect(Number(b!.procid)).toBeGreaterThan(0);
    expect(c).toMatchObject({ format: 'rfc5424', facility: 16, severity: 4, app: 'lotus-worker', msgid: 'SCHED', message: 'failed to check worker session' });
    expect(c!.structuredData).toContainEqual({ id: 'drover@32473', params: [{ name: 'gpu', value: '4' }] });
    expect(Math.abs(c!.timestampMs! - c!.receivedAtMs)).toBeLessThan(10_000);
    expect(buffer.get(c!.seq)).toBe(c);
  });

  it('receives --rfc3164 and --rfc5424 over TCP, newline framed and octet-counted, and several lines on one connection', async () => {
    const n = received.length;
    const tcp = ['--server', LOOPBACK, '--port', String(rx.tcpPort), '--tcp'];
    await run(logger, [...tcp, '--rfc3164', '-t', 'crond', '-i', '-p', 'cron.info', 'USER root cmd /opt/rig/bin/report.sh']);
    await run(logger, [...tcp, '--rfc5424', '-t', 'kernel', '-p', 'user.crit', 'NVRM: Xid 79, GPU has fallen off the bus.']);
    await run(logger, [...tcp, '--rfc5424', '--octet-count', '-t', 'octets', '--sd-id', 'x@32473', '--sd-param', 'k="v \\"q\\""', 'counted frame']);
    await run(logger, [...tcp, '--rfc3164', '-t', 'multi'], 'first line\nsecond line\nthird line\n');
    await waitFor(() => received.length >= n + 6, '6 TCP messages');
    const got = since(n);
    expect(got.map((m) => [m.format, m.app, m.message])).toEqual([
      ['rfc3164', 'crond', 'USER root cmd /opt/rig/bin/report.sh'],
      ['rfc5424', 'kernel', 'NVRM: Xid 79, GPU has fallen off the bus.'],
      ['rfc5424', 'octets', 'counted frame'],
      ['rfc3164', 'multi', 'first line'],
      ['rfc3164', 'multi', 'second line'],
      ['rfc3164', 'multi', 'third line'],
    ]);
    expect(got[2]!.structuredData).toContainEqual({ id: 'x@32473', params: [{ name: 'k', value: 'v "q"' }] });
    for (const m of got) expect(m.sender.transport).toBe('tcp');
  });

  it('keeps garbage raw over UDP and TCP, cuts oversized frames, and keeps going', async () => {
    const n = received.length;
    const sock = dgram.createSocket('udp4');
    const send = (data: Buffer | string) => new Promise<void>((resolve, reject) => sock.send(data, rx.udpPort!, LOOPBACK, (err) => (err ? reject(err) : resolve())));
    await send(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x3c, 0x39]));
    await send('not syslog at all');
    await send(`<13>${'y'.repeat(20_000)}`);
    await send('<13>1 broken 5424 header');
    sock.close();
    await waitFor(() => received.length >= n + 4, '4 garbage datagrams');
    const udp = since(n);
    expect(udp.map((m) => m.format)).toEqual(['raw', 'raw', 'raw', 'raw']);
    expect(udp[1]).toMatchObject({ message: 'not syslog at all', severity: null });
    expect(udp[2]).toMatchObject({ truncated: true, severity: 5 });
    expect(Buffer.byteLength(udp[2]!.raw)).toBe(8192);
    expect(udp[3]).toMatchObject({ severity: 5, raw: '<13>1 broken 5424 header' });

    const m = received.length;
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(rx.tcpPort!, LOOPBACK, () => {
        c.write(Buffer.from([0x00, 0xff, 0x0a]));
        c.write('garbage line\n99999999999 <13>not really octets\n12 <13>');
        c.end('partial');
      });
      c.on('error', reject);
      c.on('close', () => resolve());
    });
    await waitFor(() => received.length >= m + 4, 'TCP garbage frames');
    expect(since(m).map((x) => x.raw)).toEqual(['\uFFFD', 'garbage line', '99999999999 <13>not really octets', '<13>partial']);
    expect(since(m)[3]!.truncated).toBe(true);
    // Still receiving properly afterwards.
    await run(logger, ['--server', LOOPBACK, '--port', String(rx.udpPort), '--udp', '--rfc3164', '-t', 'after', 'still fine']);
    await waitFor(() => received.at(-1)?.app === 'after', 'a good message after garbage');
    expect(rx.stats()).toMatchObject({ socketErrors: 0 });
    expect(rx.stats().raw).toBeGreaterThanOrEqual(8);
  });
});

describe('a burst of 10,000 messages within a second loses none', () => {
  it('over UDP from another process, 100 datagrams every 10 ms', async () => {
    const buffer = newBuffer(20_000);
    const rx = await SyslogReceiver.start({ host: LOOPBACK, port: 0, tcp: false, clock: systemClock, buffer });
    try {
      const code = `
        const dgram = require('node:dgram');
        const s = dgram.createSocket('udp4');
        const port = Number(process.argv[1]);
        const N = 10000;
        let i = 0;
        let done = 0;
        let errors = 0;
        const t0 = Date.now();
        // Close only once every send has completed: closing drops queued datagrams.
        const sent = (err) => {
          if (err) errors++;
          if (++done === N) s.close(() => process.stdout.write(errors ? 'errors ' + errors : String(Date.now() - t0)));
        };
        (function batch() {
          for (let k = 0; k < 100 && i < N; k++, i++) s.send('<134>Mar 10 09:35:02 burst[7]: burst-' + i + ' gpu=4 temp=83 fan=100 power=196.02', port, '127.0.0.1', sent);
          if (i < N) setTimeout(batch, 10);
        })();`;
      const child = spawn(process.execPath, ['-e', code, String(rx.udpPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let sendMs = '';
      child.stdout.on('data', (d: Buffer) => (sendMs += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      const t0 = Date.now();
      await waitFor(() => buffer.size >= 10_000, '10,000 UDP messages', 30_000);
      const receiveMs = Date.now() - t0;
      expect(await exited).toBe(0);
      expect(sendMs).toMatch(/^\d+$/);
      const all = buffer.toArray();
      expect(all).toHaveLength(10_000);
      expect(buffer.evicted).toBe(0);
      expect(all.map((m) => m.message.split(' ')[0])).toEqual(Array.from({ length: 10_000 }, (_, i) => `burst-${i}`));
      expect(all.map((m) => m.seq)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
      expect(all.every((m) => m.format === 'rfc3164' && m.app === 'burst' && m.procid === '7')).toBe(true);
      console.log(`[fleet] UDP burst: 10,000 datagrams sent in ${sendMs} ms, all received and parsed in ${receiveMs} ms; buffer ${buffer.size} items, ${(buffer.bytes / 1024 / 1024).toFixed(1)} MiB (estimate)`);
    } finally {
      await rx.close();
    }
  });

  it('over TCP from logger reading 10,000 lines on stdin', async () => {
    const buffer = newBuffer(20_000);
    const rx = await SyslogReceiver.start({ host: LOOPBACK, port: 0, udp: false, clock: systemClock, buffer });
    try {
      const lines = Array.from({ length: 10_000 }, (_, i) => `tcp-burst-${i}`).join('\n');
      const t0 = Date.now();
      await run(logger, ['--server', LOOPBACK, '--port', String(rx.tcpPort), '--tcp', '--rfc5424', '-t', 'burst'], `${lines}\n`);
      await waitFor(() => buffer.size >= 10_000, '10,000 TCP messages', 30_000);
      const ms = Date.now() - t0;
      const all = buffer.toArray();
      expect(all.map((m) => m.message)).toEqual(Array.from({ length: 10_000 }, (_, i) => `tcp-burst-${i}`));
      expect(buffer.evicted).toBe(0);
      console.log(`[fleet] TCP burst: 10,000 logger lines received and parsed in ${ms} ms`);
    } finally {
      await rx.close();
    }
  });
});

describe('ports and connections', () => {
  it('frees both ports on close', async () => {
    const rx = await SyslogReceiver.start({ host: LOOPBACK, port: 0, clock: systemClock });
    const udpPort = rx.udpPort!;
    const tcpPort = rx.tcpPort!;
    const client = net.connect(tcpPort, LOOPBACK);
    await new Promise((r) => client.once('connect', r));
    await waitFor(() => rx.stats().connections === 1, 'the connection');
    const closed = new Promise((r) => client.once('close', r));
    await rx.close();
    await closed;
    const again = await SyslogReceiver.start({ host: LOOPBACK, port: udpPort, tcp: false, clock: systemClock });
    expect(again.udpPort).toBe(udpPort);
    await again.close();
    const againTcp = await SyslogReceiver.start({ host: LOOPBACK, port: tcpPort, udp: false, clock: systemClock });
    expect(againTcp.tcpPort).toBe(tcpPort);
    await againTcp.close();
  });

  it('refuses connections beyond its cap, and says when a port is taken', async () => {
    const rx = await SyslogReceiver.start({ host: LOOPBACK, port: 0, udp: false, maxConnections: 2, clock: systemClock });
    const clients: net.Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const c = net.connect(rx.tcpPort!, LOOPBACK);
        clients.push(c);
        await new Promise((r) => c.once('connect', r));
      }
      await waitFor(() => rx.stats().connections === 2, 'two connections');
      const third = net.connect(rx.tcpPort!, LOOPBACK);
      clients.push(third);
      await new Promise((r) => third.once('close', r));
      expect(rx.stats()).toMatchObject({ connections: 2, connectionsRejected: 1 });
      await expect(SyslogReceiver.start({ host: LOOPBACK, port: rx.tcpPort!, udp: false, clock: systemClock })).rejects.toMatchObject({ code: 'PORT_IN_USE' });
      await expect(SyslogReceiver.start({ host: 'rig06', port: 0, clock: systemClock })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    } finally {
      for (const c of clients) c.destroy();
      await rx.close();
    }
  });

  it("'auto' listens on 514 when it can, else on 5514 and says why", async () => {
    expect(process.getuid?.()).toBe(0); // binding 514 needs root here; the harness runs as root
    const first = await SyslogReceiver.start({ host: LOOPBACK, port: 'auto', clock: systemClock });
    try {
      if (first.udpPort === SYSLOG_PORT) {
        expect(first.notice).toBeUndefined();
        const second = await SyslogReceiver.start({ host: LOOPBACK, port: 'auto', clock: systemClock });
        expect([second.udpPort, second.tcpPort]).toEqual([FALLBACK_SYSLOG_PORT, FALLBACK_SYSLOG_PORT]);
        expect(second.notice).toContain('port 514 is in use');
        await second.close();
      } else {
        // Something else on this machine holds 514 on loopback: the fallback is what we see.
        expect([first.udpPort, first.tcpPort]).toEqual([FALLBACK_SYSLOG_PORT, FALLBACK_SYSLOG_PORT]);
        expect(first.notice).toContain('514');
      }
    } finally {
      await first.close();
    }
  });
});
