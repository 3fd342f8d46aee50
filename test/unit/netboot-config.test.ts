import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetbootConfigSchema, type NetbootConfigInput } from '../../main/contract/netboot';
import { describeJsonError, NetbootConfigFile } from '../../main/netboot/config-file';
import { formatConfigProblem, validateNetbootConfig } from '../../main/netboot/config-validation';
import { parseIp } from '../../main/netboot/cidr';
import { ManualClock } from '../support/manual-clock';

const SAMPLE_PATH = path.join(__dirname, '../../resources/netboot/sample-config.json');
const sample = (): NetbootConfigInput => JSON.parse(readFileSync(SAMPLE_PATH, 'utf8')) as NetbootConfigInput;

function problems(input: unknown): string[] {
  const r = validateNetbootConfig(input);
  if (r.ok) return [];
  return r.problems.map(formatConfigProblem);
}

function base(): NetbootConfigInput {
  const s = sample();
  s.subnets = [
    { name: 'rack-a', cidr: '10.40.24.0/24' },
    { name: 'rack-b', cidr: '10.40.25.0/24' },
    { name: 'rack-c', cidr: '10.40.26.0/24' },
    { name: 'rack-d', cidr: '10.40.27.0/24' },
  ];
  return s;
}

describe('the sample config', () => {
  it('validates, with one IPv4 and one IPv6 subnet, and matches addresses to them', () => {
    const r = validateNetbootConfig(sample());
    if (!r.ok) throw new Error(r.problems.map(formatConfigProblem).join('\n'));
    const c = r.config;
    expect(c.subnets.map((s) => [s.name, s.cidr.family])).toEqual([
      ['urumqi-rigs-a', 4],
      ['urumqi-rigs-v6', 6],
    ]);
    expect(c.serverUrl).toBe('http://10.40.23.250');
    expect(c.bootUrl).toBe('http://10.40.23.250/boot');
    expect(c.matcher.match(parseIp('10.40.26.9')!)?.value.name).toBe('urumqi-rigs-a');
    expect(c.matcher.match(parseIp('fd00:40:24::9')!)?.value.name).toBe('urumqi-rigs-v6');
    expect(c.trustedProxies.has(parseIp('::ffff:127.0.0.1')!)).toBe(true);
    // Defaults fill what an entry leaves out; an entry's own value wins.
    expect(c.subnets[0]!.kernelArgs).toContain('ip=dhcp');
    expect(c.subnets[1]!.kernelArgs).toContain('ipv6.autoconf=1');
    expect(JSON.parse(c.subnets[1]!.agentConfigJson).supervisor.images[0].uri).toContain('userland-amd');
  });
});

describe('validation errors name the entry and the field', () => {
  it('a bad CIDR', () => {
    const s = base();
    s.subnets[3]!.cidr = '10.40.27.5/24';
    expect(problems(s)).toEqual(['subnets[3].cidr (subnet "rack-d"): "10.40.27.5/24" has host bits set; the network is 10.40.27.0/24']);
  });

  it('duplicate networks and names', () => {
    const s = base();
    s.subnets[2]!.cidr = '10.40.24.0/24';
    s.subnets[3]!.name = 'rack-b';
    expect(problems(s)).toEqual([
      'subnets[2].cidr (subnet "rack-c"): 10.40.24.0/24 is also subnets[0] ("rack-a"); each network needs one entry',
      'subnets[3].name (subnet "rack-b"): the name is also used by subnets[1]',
    ]);
  });

  it('schema errors (types, unknown keys) keep their path and entry name', () => {
    const s = base() as unknown as { subnets: Record<string, unknown>[] };
    s.subnets[1]!.cdir = '10.0.0.0/8';
    s.subnets[2]!.kernelArgs = 42;
    const out = problems(s);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^subnets\[1\] \(subnet "rack-b"\): Unrecognized key: "cdir"/);
    expect(out[1]).toMatch(/^subnets\[2\]\.kernelArgs \(subnet "rack-c"\): Invalid input: expected string/);
  });

  it('template problems give the line and column', () => {
    const s = base();
    s.subnets[1]!.script = '#!ipxe\nkernel {{bootUrl}}/vmlinuz {{kernelArg}}\nboot\n';
    expect(problems(s)).toEqual([
      'subnets[1].script (subnet "rack-b"): line 2, column 28: unknown variable {{kernelArg}}; known: serverUrl, bootUrl, mac, macHyphen, ip, subnet, subnetName, uuid, kernelArgs',
    ]);
    const d = base();
    d.defaults!.script = ['kernel x', 'boot'];
    expect(problems(d)).toEqual(['defaults.script: line 1: a script must start with "#!ipxe" and a newline (iPXE refuses anything else)']);
  });

  it('kernel arguments that could break out of the command', () => {
    const s = base();
    s.subnets[0]!.kernelArgs = 'quiet || shell';
    expect(problems(s)).toEqual(['subnets[0].kernelArgs (subnet "rack-a"): the word "||" would end the iPXE command and start another']);
  });

  it('etcd key patterns', () => {
    const s = base();
    s.subnets[2]!.etcdKeys = { dcConfig: '/farm/dc/{mac}/config', workerEnv: '/farm/workers/env' };
    s.subnets[3]!.etcdKeys = { dcConfig: '/farm/dc/{uuid}/config', workerEnv: '/farm/workers/{serial}/env' };
    expect(problems(s)).toEqual([
      'subnets[2].etcdKeys.dcConfig (subnet "rack-c"): the datacenter config is shared by every worker of the subnet: it cannot use a MAC variable',
      'subnets[2].etcdKeys.workerEnv (subnet "rack-c"): must contain {mac} (or {macHyphen}, {macBare}, {macUpper}); otherwise every worker would get the same env',
      'subnets[3].etcdKeys.workerEnv (subnet "rack-d"): unknown variable {serial}; known: {uuid}, {subnetName}, {mac}, {macHyphen}, {macBare}, {macUpper}',
    ]);
  });

  it('missing fields without defaults, bad UUIDs, DHCP ranges outside the subnet', () => {
    const s = base();
    delete s.defaults;
    s.subnets = [
      { name: 'bare', cidr: '10.0.0.0/24' },
      {
        name: 'full',
        cidr: '10.0.1.0/24',
        script: '#!ipxe\nboot\n',
        agentConfig: sample().defaults!.agentConfig!,
        datacenterUuid: 'not-a-uuid',
        etcdKeys: { dcConfig: '/dc/{uuid}', workerEnv: '/w/{mac}' },
        dhcp: { rangeStart: '10.0.2.10', rangeEnd: '10.0.1.200' },
      },
    ];
    expect(problems(s)).toEqual([
      'subnets[0].script (subnet "bare"): missing: set it in this entry or in defaults.script',
      'subnets[0].agentConfig (subnet "bare"): missing: set it in this entry or in defaults.agentConfig',
      'subnets[0].datacenterUuid (subnet "bare"): missing: set it in this entry or in defaults.datacenterUuid',
      'subnets[0].etcdKeys (subnet "bare"): missing: set it in this entry or in defaults.etcdKeys',
      'subnets[1].datacenterUuid (subnet "full"): "not-a-uuid" is not a UUID (8-4-4-4-12 hex digits)',
      'subnets[1].dhcp.rangeStart (subnet "full"): 10.0.2.10 is outside 10.0.1.0/24',
    ]);
  });

  it('top-level fields: URLs, proxies, timeouts', () => {
    const s = base();
    s.serverUrl = 'ftp://10.40.23.250';
    s.trustedProxies = ['127.0.0.1/32', 'proxy.local'];
    s.limits = { headersTimeoutMs: 10_000, requestTimeoutMs: 5000 };
    expect(problems(s)).toEqual([
      'serverUrl: serverUrl must be http:// or https://, not ftp://',
      'trustedProxies[1]: "proxy.local" is not an IPv4 or IPv6 address',
      'limits.requestTimeoutMs: must be at least limits.headersTimeoutMs (10000)',
    ]);
    const t = base();
    t.limits = { headersTimeoutMs: 30_000 };
    expect(problems(t)).toEqual([expect.stringMatching(/^limits\.headersTimeoutMs: Too big: expected number to be <=10000/)]);
  });

  it('never throws on junk', () => {
    for (const junk of [null, 42, 'x', [], { subnets: 'x' }, { serverUrl: 'http://a', subnets: [null] }]) {
      expect(validateNetbootConfig(junk).ok).toBe(false);
    }
  });

  it('the schema fills defaults (listen, limits, timeline)', () => {
    const parsed = NetbootConfigSchema.parse({ serverUrl: 'http://10.0.0.1', subnets: [{ name: 'a', cidr: '10.0.0.0/24' }] });
    expect(parsed.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parsed.limits.headersTimeoutMs).toBe(10_000);
    expect(parsed.timeline.maxMachines).toBe(10_000);
  });
});

describe('config file and reload', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'drover-netboot-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the last good config when the new file is invalid, and says why', async () => {
    const file = path.join(dir, 'netboot.json');
    const clock = new ManualClock();
    const good = base();
    good.bootFiles = { dir: 'boot' };
    await mkdir(path.join(dir, 'boot'));
    await writeFile(file, JSON.stringify(good, null, 2));
    const cf = new NetbootConfigFile(file, { clock });
    const first = await cf.load();
    expect(first).toMatchObject({ ok: true, keptPrevious: false, problems: [] });
    expect(first.message).toMatch(/4 subnets \(4 IPv4, 0 IPv6\)/);
    expect(cf.current?.bootDir).toBe(path.join(dir, 'boot')); // relative to the config file

    const bad = base();
    bad.bootFiles = { dir: 'boot' };
    bad.subnets[1]!.cidr = '10.40.25.0/33';
    await writeFile(file, JSON.stringify(bad));
    await clock.advance(60_000);
    const second = await cf.reload();
    expect(second.ok).toBe(false);
    expect(second.keptPrevious).toBe(true);
    expect(second.problems.map(formatConfigProblem)).toEqual(['subnets[1].cidr (subnet "rack-b"): "33" is not a prefix length from 0 to 32']);
    expect(second.message).toMatch(/was not applied \(1 problem; first: subnets\[1\]\.cidr .*\); still serving the config loaded at /);
    expect(cf.current?.subnets[1]!.cidr.text).toBe('10.40.25.0/24');

    await writeFile(file, '{\n  "serverUrl": "http://x",\n}\n');
    const third = await cf.reload();
    expect(third.problems[0]!.message).toMatch(/is not JSON: Expected double-quoted property name at line 3, column 1/);
    expect(cf.current?.subnets).toHaveLength(4);

    await writeFile(file, JSON.stringify({ ...good, bootFiles: { dir: 'missing-dir' } }));
    const fourth = await cf.reload();
    expect(fourth.problems.map(formatConfigProblem)).toEqual([`bootFiles.dir: ${path.join(dir, 'missing-dir')} cannot be used (ENOENT)`]);

    await rm(file);
    const fifth = await cf.reload();
    expect(fifth.problems[0]!.message).toMatch(/cannot read .* \(ENOENT\)/);
    expect(fifth.keptPrevious).toBe(true);
  });

  it('describes JSON errors by line and column', () => {
    const text = '{\n "a" 1}';
    let message = '';
    try {
      JSON.parse(text);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(describeJsonError(text, message)).toBe("Expected ':' after property name at line 2, column 6");
    expect(describeJsonError(text, 'Unexpected end of JSON input')).toBe('Unexpected end of JSON input');
  });
});
