import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRecord } from '../../main/netboot/netboot-command';
import { getFreePort, makeTempDir, startProcess, stopAll, type ManagedProcess, type TempDir } from '../harness/index';
import { waitForOutput } from '../harness/netboot-netns';
import { MAC1, get, testConfigInput } from '../support/netboot-http';

// `drover netboot serve|check|dnsmasq` as a real process (bin/drover.mjs, as an operator runs it):
// timeline steps on stderr, SIGHUP reloads (an invalid file is refused, the running config
// kept and why logged), SIGTERM stops and frees the port with exit 0.

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'bin/drover.mjs');
const ENV = { ...process.env, DROVER_NO_REEXEC: '1' };

let tmp: TempDir;
let configFile: string;
let port: number;

function writeConfig(overrides: Parameters<typeof testConfigInput>[0] = {}): void {
  fs.writeFileSync(configFile, JSON.stringify(testConfigInput({ listen: { host: '127.0.0.1', port: 8080 }, ...overrides }), null, 2));
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO, env: ENV, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

function portIsFree(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '127.0.0.1', port: p, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

beforeAll(async () => {
  tmp = await makeTempDir('drover-netboot-cli-');
  configFile = path.join(tmp.path, 'netboot.json');
  port = await getFreePort();
});

afterAll(async () => {
  await tmp?.remove();
  await stopAll();
});

describe('drover netboot serve', () => {
  let proc: ManagedProcess;

  it('serves on the config (--port overrides listen.port) and logs each timeline step', async () => {
    writeConfig();
    proc = await startProcess({ name: 'drover netboot serve', command: process.execPath, args: [BIN, 'netboot', 'serve', '--config', configFile, '--port', String(port)], cwd: REPO, env: ENV });
    await waitForOutput(proc, /responder listening on http:\/\/127\.0\.0\.1:\d+ for 3 subnet\(s\)/, 30_000);
    expect(proc.logs()).toContain(`loaded ${configFile}: 3 subnets (2 IPv4, 1 IPv6)`);
    expect((await get(port, `/api/v1/pxe?mac=${MAC1}`)).status).toBe(200);
    await get(port, '/api/v1/pxe', { localAddress: '127.0.0.2', headers: { 'X-Forwarded-For': '10.9.0.7' } });
    await get(port, `/api/v1/get-initial-config?mac=${MAC1}`);
    await waitForOutput(proc, new RegExp(`netboot: ${MAC1} 127\\.0\\.0\\.1 \\[lo\\] env unavailable 503: etcd is not configured`));
    const log = proc.logs();
    expect(log).toMatch(new RegExp(`^\\S+Z netboot: ${MAC1} 127\\.0\\.0\\.1 \\[lo\\] script ok 200$`, 'm'));
    expect(log).toMatch(/netboot: \(no MAC\) 10\.9\.0\.7 \[no subnet\] script fallback 200: no netboot entry for 10\.9\.0\.7/);
  });

  it('SIGHUP: an invalid file is refused and the running config kept, with the problems logged; a valid one is applied', async () => {
    fs.writeFileSync(configFile, fs.readFileSync(configFile, 'utf8').replace('"127.0.0.1/32"', '"127.0.0.1/99"'));
    process.kill(proc.pid, 'SIGHUP');
    await waitForOutput(proc, /was not applied \(1 problem; first: subnets\[0\]\.cidr \(subnet "lo"\)/);
    await waitForOutput(proc, /netboot: {3}subnets\[0\]\.cidr \(subnet "lo"\): /);
    expect((await get(port, `/api/v1/pxe?mac=${MAC1}`)).text).toContain('echo lo 127.0.0.1');

    writeConfig({ defaults: { ...testConfigInput().defaults, script: ['#!ipxe', 'echo reloaded {{mac}}', 'exit'] } });
    process.kill(proc.pid, 'SIGHUP');
    await waitForOutput(proc, /SIGHUP: reloading[\s\S]*SIGHUP: reloading[\s\S]*loaded .*: 3 subnets/);
    expect((await get(port, `/api/v1/pxe?mac=${MAC1}`)).text).toBe(`#!ipxe\necho reloaded ${MAC1}\nexit\n`);
    expect(proc.exitStatus).toBeNull();
  });

  it('SIGTERM: stops, frees the port, exits 0', async () => {
    const status = await proc.stop();
    expect(status.code, proc.logs()).toBe(0);
    expect(proc.logs()).toMatch(/SIGTERM: stopping the responder\n.*responder stopped/);
    expect(await portIsFree(port)).toBe(true);
  });

  it('exits 1 with the problems when the config is invalid, and when the port is taken', async () => {
    fs.writeFileSync(configFile, '{ "serverUrl": "http://x", "subnets": [] }');
    const bad = await run(['netboot', 'serve', '--config', configFile]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/drover netboot: .* is not a valid netboot config \(1 problem; first: subnets: /);
    expect(bad.stderr).toMatch(/^ {2}subnets: /m);

    writeConfig();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port }, resolve));
    try {
      const taken = await run(['netboot', 'serve', '--config', configFile, '--port', String(port)]);
      expect(taken.code).toBe(1);
      expect(taken.stderr).toContain(`drover netboot: 127.0.0.1:${port} is already in use`);
      expect(taken.stderr).toContain('Stop what listens there or choose another listen.port.');
    } finally {
      holder.close();
    }
  });
});

describe('drover netboot check and dnsmasq', () => {
  it('check prints one problem per line on stdout and exits 1; 0 for a valid file', async () => {
    fs.writeFileSync(configFile, JSON.stringify(testConfigInput({ subnets: [{ name: 'a', cidr: '10.0.0.1/8' }, { name: 'a', cidr: '10.1.0.0/16' }] })));
    const bad = await run(['netboot', 'check', '--config', configFile]);
    expect(bad.code).toBe(1);
    expect(bad.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^subnets\[0\]\.cidr \(subnet "a"\): /), 'subnets[1].name (subnet "a"): the name is also used by subnets[0]']);
    writeConfig();
    const good = await run(['netboot', 'check', '--config', configFile]);
    expect(good).toMatchObject({ code: 0, stdout: '' });
    expect(good.stderr).toContain('3 subnets (2 IPv4, 1 IPv6)');
  });

  it('dnsmasq prints the proxy-DHCP config on stdout, warnings on stderr', async () => {
    writeConfig();
    const out = await run(['netboot', 'dnsmasq', '--config', configFile, '--mode', 'proxy', '--interface', 'br0', '--interface', 'eth1', '--no-tftp']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('interface=br0\ninterface=eth1\nbind-interfaces\n');
    expect(out.stdout).toContain('dhcp-range=set:net-rack-a,10.40.24.0,proxy,255.255.255.0');
    expect(out.stdout).not.toContain('enable-tftp');
    expect(out.stderr).toMatch(/^warning: rack-v6 \(fd00:40:24::\/64\): proxy-DHCP is IPv4 only/m);
    const usage = await run(['netboot', 'dnsmasq', '--config', configFile, '--mode', 'relay']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--mode must be dhcp or proxy, not "relay"');
    expect((await run(['netboot', 'serve'])).stderr).toContain('--config FILE is required');
  });
});

describe('log lines', () => {
  it('name the machine, address, subnet, step, outcome, status, file and reason; nothing for removals', () => {
    const machine = { key: MAC1, mac: MAC1, ip: '10.40.24.7', subnet: 'rack-a', cidr: '10.40.24.0/24', firstSeenMs: 0, lastSeenMs: 0, stepSinceMs: 0, boots: 1, lastStep: 'kernel' as const, lastOutcome: 'failed' as const, stuck: false, events: [] };
    const event = { step: 'kernel' as const, outcome: 'failed' as const, status: 200, atMs: 0, firstAtMs: 0, count: 2, path: 'vmlinuz', bytes: 1000, durationMs: 12.4, reason: 'the transfer stopped' };
    expect(describeRecord({ change: 'step', key: MAC1, machine, event })).toBe(`netboot: ${MAC1} 10.40.24.7 [rack-a] kernel failed 200 vmlinuz 1000 bytes 12 ms x2: the transfer stopped`);
    expect(describeRecord({ change: 'stuck', key: MAC1, machine: { ...machine, stuck: true, reason: 'no progress' } })).toBe(`netboot: ${MAC1} 10.40.24.7 [rack-a] stuck after "kernel": no progress`);
    expect(describeRecord({ change: 'removed', key: MAC1 })).toBeUndefined();
  });
});
