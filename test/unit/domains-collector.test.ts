import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DomainRowSchema } from '../../main/contract/domains';
import { AppError } from '../../main/contract/errors';
import { collectDomainDetails, collectDomains, runBulk, runDomainAction, type VirshExec, type VirshExecResult } from '../../main/domains/domain-collector';

// The collector against a scripted virsh: the batch argument is split the way virsh splits it
// (`;`), `echo` prints its word, other commands answer from a table. The counters are QEMU-like
// (domstats with cpu.time, balloon, block, net), which libvirt's test driver cannot give.

const REF = (f: string) => readFileSync(fileURLToPath(new URL(`../fixtures/virsh/${f}`, import.meta.url)), 'utf8');
const REAL = (f: string) => readFileSync(fileURLToPath(new URL(`../fixtures/virsh/captured-9.0/${f}`, import.meta.url)), 'utf8');
const URI = 'qemu:///system';
const RIG = '870e8c59-aff9-47e4-894a-7a17c5f2b1f3';
const PXE = '8cdd9478-5a12-4744-8a1e-1941eb7e0d81';

type Handler = (words: string[]) => { stdout?: string; stderr?: string; fail?: boolean } | undefined;

interface Fake {
  exec: VirshExec;
  calls: string[][];
}

/** A virsh that answers batches: handler(words) → output; unknown commands fail like virsh. */
function fakeVirsh(handler: Handler, opts: { refuse?: RegExp } = {}): Fake {
  const calls: string[][] = [];
  const exec: VirshExec = async (argv) => {
    calls.push(argv);
    expect(argv.slice(0, 6)).toEqual(['env', 'LC_ALL=C.UTF-8', 'LANGUAGE=', 'virsh', '-c', URI]);
    const rest = argv.slice(6);
    const commands = rest.length === 1 ? rest[0]!.split('; ').map((c) => c.split(' ')) : [rest];
    if (opts.refuse) {
      const bad = commands.find((c) => opts.refuse!.test(c.join(' ')));
      if (bad) return { code: 1, stdout: '', stderr: `error: command '${bad[0]}' doesn't support option ${bad.find((w) => opts.refuse!.test(w)) ?? bad[1]}\n` };
    }
    let stdout = '';
    let stderr = '';
    let code = 0;
    for (const words of commands) {
      if (words[0] === 'echo') {
        stdout += `${words.slice(1).join(' ')}\n`;
        continue;
      }
      const r = handler(words);
      if (!r || r.fail) {
        stderr += r?.stderr ?? `error: failed to get domain '${words[words.length - 1]}'\n`;
        stdout += '\n';
        code = 1;
        continue;
      }
      code = 0;
      stdout += `${r.stdout ?? ''}\n`;
      if (r.stderr) stderr += r.stderr;
    }
    return { code, stdout, stderr } satisfies VirshExecResult;
  };
  return { exec, calls };
}

/** domstats for gpu-rig-01 (running, id 3, 6 vCPUs) and pxe-test (shut off), with adjustable counters. */
function qemuHost(state: { cpuNs: bigint; rdBytes: bigint; rxBytes: bigint; id: number; running?: boolean }): Handler {
  return (words) => {
    const cmd = words.join(' ');
    const running = state.running ?? true;
    if (cmd === 'list --all --id --uuid --name') return { stdout: `${RIG} ${running ? state.id : '-'} gpu-rig-01\n${PXE} - pxe-test\n` };
    if (cmd === 'list --all --autostart --uuid') return { stdout: `${RIG}\n` };
    if (cmd === 'list --all --transient --uuid') return { stdout: '' };
    if (cmd === 'list --all --with-managed-save --uuid') return { stdout: '' };
    if (cmd.startsWith('domstats --raw')) {
      let text = REF('domstats-raw.txt');
      text = text.replace('cpu.time=1843201325913204', `cpu.time=${state.cpuNs}`);
      text = text.replace('block.0.rd.bytes=41925083136', `block.0.rd.bytes=${state.rdBytes}`);
      text = text.replace('net.0.rx.bytes=88203915532', `net.0.rx.bytes=${state.rxBytes}`);
      if (!running) text = text.replace("Domain: 'gpu-rig-01'\n  state.state=1\n  state.reason=1", "Domain: 'gpu-rig-01'\n  state.state=5\n  state.reason=2");
      return { stdout: text.trimEnd() };
    }
    return undefined;
  };
}

describe('collectDomains', () => {
  it('one remote call for a QEMU-like host; CPU% and rates from the deltas of two rounds', async () => {
    const s = { cpuNs: 1_843_201_325_913_204n, rdBytes: 41_925_083_136n, rxBytes: 88_203_915_532n, id: 3 };
    const fake = fakeVirsh(qemuHost(s));
    const t0 = 1_773_134_994_000;
    const r1 = await collectDomains(fake.exec, { id: 'kvm-a' }, URI, undefined, t0);
    expect(r1.ok).toBe(true);
    expect(r1.calls).toBe(1);
    expect(fake.calls).toHaveLength(1);
    expect(r1.problems).toEqual([]);
    const rig1 = r1.rows[RIG]!;
    expect(DomainRowSchema.parse(rig1)).toEqual(rig1);
    expect(rig1).toMatchObject({
      name: 'gpu-rig-01',
      id: 3,
      state: 'running',
      stateCode: 1,
      reason: 'booted',
      reasonCode: 1,
      vcpus: 6,
      vcpusMax: 6,
      memoryKiB: 16777216,
      memoryMaxKiB: 16777216,
      autostart: true,
      persistent: true,
      managedSave: false,
      cpuPercent: null,
      // available − usable (what the guest really uses), and the host-side RSS.
      memoryUsedKiB: 16393196 - 13045820,
      memoryRssKiB: 16832516,
      runningSinceMs: null,
    });
    expect(r1.rows[PXE]).toMatchObject({ id: null, state: 'shut off', reason: 'shutdown', cpuPercent: null, memoryUsedKiB: null, vcpus: 2 });

    // 2 s later: 3 of 6 vCPUs busy (6e9 ns of CPU), 10 MB read, 1 MB received.
    s.cpuNs += 6_000_000_000n;
    s.rdBytes += 10_000_000n;
    s.rxBytes += 1_000_000n;
    const r2 = await collectDomains(fake.exec, { id: 'kvm-a' }, URI, r1, t0 + 2000);
    const rig2 = r2.rows[RIG]!;
    expect(rig2.cpuPercent).toBe(50);
    expect(rig2.diskReadBytesPerSec).toBe(5_000_000);
    expect(rig2.diskWriteBytesPerSec).toBe(0);
    expect(rig2.netRxBytesPerSec).toBe(500_000);
    expect(rig2.runningSinceMs).toBeNull();
    expect(r2.calls).toBe(1);
  });

  it('sees starts and restarts: runningSinceMs set, no CPU% across a restart', async () => {
    const s = { cpuNs: 5_000_000_000n, rdBytes: 1n, rxBytes: 1n, id: 3, running: false };
    const fake = fakeVirsh(qemuHost(s));
    const r1 = await collectDomains(fake.exec, { id: 'kvm-a' }, URI, undefined, 1000);
    expect(r1.rows[RIG]).toMatchObject({ state: 'shut off', reason: 'destroyed', runningSinceMs: null });
    s.running = true;
    const r2 = await collectDomains(fake.exec, { id: 'kvm-a' }, URI, r1, 3000);
    expect(r2.rows[RIG]).toMatchObject({ state: 'running', id: 3, runningSinceMs: 3000, cpuPercent: null });
    s.cpuNs += 1_200_000_000n;
    const r3 = await collectDomains(fake.exec, { id: 'kvm-a' }, URI, r2, 5000);
    expect(r3.rows[RIG]).toMatchObject({ runningSinceMs: 3000, cpuPercent: 10 });
    // Restarted between rounds: a new id, counters from zero.
    s.id = 7;
    s.cpuNs = 100_000_000n;
    const r4 = await collectDomains(fake.exec, { id: 'kvm-a' }, URI, r3, 7000);
    expect(r4.rows[RIG]).toMatchObject({ id: 7, runningSinceMs: 7000, cpuPercent: null, diskReadBytesPerSec: null });
  });

  it('an outage keeps the last baseline, so coming back is not a restart of every domain', async () => {
    const s = { cpuNs: 1_000_000_000n, rdBytes: 1n, rxBytes: 1n, id: 3 };
    let down = false;
    const up = fakeVirsh(qemuHost(s));
    const exec: VirshExec = async (argv, signal) =>
      down ? { code: 1, stdout: '', stderr: REAL('error.connect.stderr.txt') } : up.exec(argv, signal);
    const r1 = await collectDomains(exec, { id: 'kvm-a' }, URI, undefined, 0);
    down = true;
    const r2 = await collectDomains(exec, { id: 'kvm-a' }, URI, r1, 1000);
    expect(r2.ok).toBe(false);
    expect(r2.error).toMatchObject({ code: 'UNAVAILABLE' });
    expect(r2.error!.message).toContain('failed to connect to the hypervisor');
    expect(r2.rows).toEqual({});
    expect(r2.baseline).toBe(r1.baseline);
    down = false;
    s.cpuNs += 600_000_000n;
    const r3 = await collectDomains(exec, { id: 'kvm-a' }, URI, r2, 2000);
    expect(r3.rows[RIG]).toMatchObject({ runningSinceMs: null, cpuPercent: 5 });
  });

  it('SSH failures (exec rejects) come back as a failed round, never a throw', async () => {
    const exec: VirshExec = async () => {
      throw new AppError('UNAVAILABLE', 'root@kvm-a:22: connection refused');
    };
    const r = await collectDomains(exec, { id: 'kvm-a' }, URI, undefined, 0);
    expect(r).toMatchObject({ ok: false, rows: {}, error: { code: 'UNAVAILABLE', message: 'root@kvm-a:22: connection refused' } });
  });

  it('an older virsh without the combined bare list or domstats --nowait: the compatible batch, then dominfo by uuid', async () => {
    const handler: Handler = (words) => {
      const cmd = words.join(' ');
      if (cmd === 'list --all --uuid --name') return { stdout: `${RIG} ${'gpu-rig-01'.padEnd(30)}\n${PXE} ${'pxe-test'.padEnd(30)}\n` };
      if (cmd.startsWith('list --all --')) return { stdout: '' };
      if (cmd.startsWith('domstats')) return { stdout: "Domain: 'gpu-rig-01'\n  state.state=1\n  state.reason=1\n\nDomain: 'pxe-test'\n  state.state=5\n  state.reason=1" };
      if (cmd === `dominfo ${RIG}`) return { stdout: REF('dominfo.gpu-rig-01.txt').trimEnd() };
      if (cmd === `dominfo ${PXE}`) return { stdout: REF('dominfo.pxe-test.shutoff.txt').trimEnd() };
      if (cmd === `dommemstat ${RIG}`) return { stdout: REF('dommemstat.gpu-rig-01.txt').trimEnd() };
      return undefined;
    };
    const fake = fakeVirsh(handler, { refuse: /--id|--nowait/ });
    const r = await collectDomains(fake.exec, { id: 'kvm-a' }, URI, undefined, 0);
    expect(r.ok).toBe(true);
    expect(r.calls).toBe(3);
    expect(r.problems.map((p) => p.code)).toEqual(['UNSUPPORTED']);
    expect(r.rows[RIG]).toMatchObject({ name: 'gpu-rig-01', id: 3, state: 'running', vcpus: 6, memoryKiB: 16777216, memoryUsedKiB: 16393196 - 13045820, memoryRssKiB: 16832516, autostart: false, persistent: true });
    expect(r.rows[PXE]).toMatchObject({ name: 'pxe-test', id: null, state: 'shut off' });
    const second = fake.calls[2]![6]!;
    expect(second).toContain(`dominfo ${RIG}`);
    expect(second).toContain(`dommemstat ${RIG}`);
    expect(second).not.toContain(`dommemstat ${PXE}`);
  });

  it('an ancient virsh without domstats or list filters: everything from dominfo', async () => {
    const handler: Handler = (words) => {
      const cmd = words.join(' ');
      if (cmd === 'list --all --uuid') return { stdout: `${RIG}\n` };
      if (cmd === `dominfo ${RIG}`) return { stdout: REF('dominfo.gpu-rig-01.txt').trimEnd() };
      if (cmd.startsWith('dommemstat')) return { stdout: '' };
      return undefined;
    };
    const fake = fakeVirsh(handler, { refuse: /--id|--nowait|domstats|--autostart/ });
    const r = await collectDomains(fake.exec, { id: 'kvm-a' }, URI, undefined, 0);
    expect(r.ok).toBe(true);
    expect(r.rows[RIG]).toMatchObject({ name: 'gpu-rig-01', state: 'running', autostart: true, persistent: true, managedSave: false, reason: null });
  });

  it('a domain undefined between the two calls is dropped with a problem, not a bad row', async () => {
    const handler: Handler = (words) => {
      const cmd = words.join(' ');
      if (cmd === 'list --all --id --uuid --name') return { stdout: `${RIG} 3 gpu-rig-01\n` };
      if (cmd.startsWith('list')) return { stdout: '' };
      if (cmd.startsWith('domstats')) return { stdout: '' };
      return undefined;
    };
    const r = await collectDomains(fakeVirsh(handler).exec, { id: 'kvm-a' }, URI, undefined, 0);
    expect(r.ok).toBe(true);
    expect(r.rows).toEqual({});
    expect(r.problems.some((p) => p.domain === RIG && /no state/.test(p.message))).toBe(true);
  });
});

describe('collectDomainDetails', () => {
  it('one batch by uuid; per-device counters from domstats', async () => {
    const handler: Handler = (words) => {
      const cmd = words.join(' ');
      if (cmd === `dominfo ${RIG}`) return { stdout: REF('dominfo.gpu-rig-01.txt').trimEnd() };
      if (cmd === `domstate --reason ${RIG}`) return { stdout: 'running (booted)' };
      if (cmd === `dommemstat ${RIG}`) return { stdout: REF('dommemstat.gpu-rig-01.txt').trimEnd() };
      if (cmd === `vcpuinfo ${RIG}`) return { stdout: REF('vcpuinfo.gpu-rig-01.txt').trimEnd() };
      if (cmd === `domblklist --details ${RIG}`) return { stdout: ' Type   Device   Target   Source\n---------------------\n file   disk     vda      /var/lib/libvirt/images/gpu-rig-01.qcow2\n block  disk     vdb      /dev/nvme1n1' };
      if (cmd === `domiflist ${RIG}`) return { stdout: ' Interface   Type     Source   Model    MAC\n------------\n vnet4       bridge   br0      virtio   52:54:00:A1:9C:AE' };
      if (cmd === `snapshot-list --parent ${RIG}`) return { stdout: REAL('snapshot-list.gpu-rig-01.parent.txt').trimEnd() };
      if (cmd.startsWith('domstats')) return { stdout: REF('domstats-raw.txt').split('\n\n')[0]! };
      return undefined;
    };
    const fake = fakeVirsh(handler);
    const d = await collectDomainDetails(fake.exec, { id: 'kvm-a' }, URI, RIG);
    expect(fake.calls).toHaveLength(1);
    expect(d.problems).toEqual([]);
    expect(d.info).toMatchObject({ name: 'gpu-rig-01', vcpus: 6 });
    expect(d.memoryStats).toMatchObject({ actual: 16777216 });
    expect(d.vcpus).toHaveLength(6);
    expect(d.snapshots.map((s) => s.name)).toEqual(['-dash snap', 'pre-upgrade', '快照-1']);
    expect(d.blockDevices[1]).toMatchObject({ target: 'vdb', type: 'block', stats: { rd_req: 90377, rd_bytes: 370188288, wr_req: 14, flush_operations: 2 } });
    expect(d.interfaces[0]).toMatchObject({ name: 'vnet4', mac: '52:54:00:a1:9c:ae', stats: { rx_bytes: 88203915532, tx_packets: 40198554, rx_drop: 12 } });
  });

  it('refuses anything but a uuid (it goes into a batch)', async () => {
    const fake = fakeVirsh(() => undefined);
    const d = await collectDomainDetails(fake.exec, { id: 'kvm-a' }, URI, "x'; touch pwned #");
    expect(fake.calls).toHaveLength(0);
    expect(d.problems[0]).toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('runDomainAction / runBulk', () => {
  it('success keeps virsh’s output; bad options never reach virsh', async () => {
    const fake = fakeVirsh((w) => (w[0] === 'suspend' ? { stdout: `Domain '${w[2]}' suspended\n` } : undefined));
    expect(await runDomainAction(fake.exec, URI, 'suspend', 'a b', {})).toEqual({ domain: 'a b', ok: true, output: "Domain 'a b' suspended", error: null });
    expect(fake.calls[0]!.slice(6)).toEqual(['suspend', '--', 'a b']);
    const bad = await runDomainAction(fake.exec, URI, 'save', 'a b', { file: 'relative.save' });
    expect(bad.ok).toBe(false);
    expect(bad.error!.code).toBe('INVALID_INPUT');
    const noName = await runDomainAction(fake.exec, URI, 'snapshot-create', 'a b', {} as never);
    expect(noName.error!.code).toBe('INVALID_INPUT');
    expect(fake.calls).toHaveLength(1);
  });

  it('a rejected exec is an error result', async () => {
    const r = await runDomainAction(
      async () => {
        throw new Error('channel open failure');
      },
      URI,
      'start',
      'x',
      {},
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: 'channel open failure' } });
  });

  it('bulk: results in target order, per-host and overall limits, cancellation', async () => {
    let active = 0;
    let maxActive = 0;
    const perHost = new Map<string, number>();
    let maxPerHost = 0;
    const slow = (host: string): VirshExec => async (argv) => {
      active++;
      perHost.set(host, (perHost.get(host) ?? 0) + 1);
      maxActive = Math.max(maxActive, active);
      maxPerHost = Math.max(maxPerHost, perHost.get(host)!);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      perHost.set(host, perHost.get(host)! - 1);
      const dom = argv[argv.length - 1]!;
      return dom === 'ghost' ? { code: 1, stdout: '', stderr: "error: failed to get domain 'ghost'\n" } : { code: 0, stdout: `Domain '${dom}' destroyed\n`, stderr: '' };
    };
    const targets = [...Array(12).keys()].map((i) => ({ host: `kvm-${i % 3}`, exec: slow(`kvm-${i % 3}`), uri: URI, domain: i === 5 ? 'ghost' : `vm-${i}` }));
    const seen: number[] = [];
    const results = await runBulk(targets, 'destroy', {}, { concurrency: 5, perHostConcurrency: 2, onResult: (_r, i) => seen.push(i) });
    expect(results.map((r) => r.domain)).toEqual(targets.map((t) => t.domain));
    expect(results.map((r) => r.host)).toEqual(targets.map((t) => t.host));
    expect(results.filter((r) => r.ok)).toHaveLength(11);
    expect(results[5]).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(maxActive).toBeLessThanOrEqual(5);
    expect(maxPerHost).toBeLessThanOrEqual(2);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(12).keys()]);

    const ctrl = new AbortController();
    ctrl.abort();
    const cancelled = await runBulk(targets.slice(0, 3), 'destroy', {}, { signal: ctrl.signal });
    expect(cancelled.map((r) => r.error?.code)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);
    expect(await runBulk([], 'start', {})).toEqual([]);
  });
});
