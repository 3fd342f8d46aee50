import type { NetbootConfigInput } from '../../main/contract/netboot';
import { AGENT_CONFIG, DC_UUID } from './netboot-http';

// The netboot config that boots the harness's test guest (test/harness/netboot-guest.ts) from
// the real responder: its script is exactly the harness's renderIpxeScript with the kernel and
// initrd served from the responder's /boot/ (test/unit/netboot-guest-config.test.ts checks
// that), and the guest's /init finds the responder through drover.server= and drover.mac=.

/** Names of the boot files in bootFiles.dir. */
export const GUEST_KERNEL_FILE = 'vmlinuz';
export const GUEST_INITRD_FILE = 'initrd.gz';

/** What guestKernelArgs puts before drover.server= and drover.mac=. */
export const GUEST_KERNEL_ARGS = 'console=ttyS0 quiet panic=1';

export const GUEST_SCRIPT = [
  '#!ipxe',
  'echo Drover test guest ${net0/mac}',
  `kernel {{bootUrl}}/${GUEST_KERNEL_FILE}?mac={{mac}} {{kernelArgs}} drover.server={{serverUrl}} drover.mac={{mac}}`,
  `initrd {{bootUrl}}/${GUEST_INITRD_FILE}?mac={{mac}}`,
  'boot',
];

export const GUEST_DC_KEY = `/farm/dc/${DC_UUID}/config`;
export const guestWorkerKey = (mac: string): string => `/farm/workers/${mac}/env`;

export interface GuestConfigOptions {
  listen: { host: string; port: number };
  /** The responder as the guest sees it, e.g. http://10.0.2.2:PORT. */
  serverUrl: string;
  bootDir: string;
  etcdEndpoints?: string[];
  subnets: { name: string; cidr: string }[];
  trustedProxies?: string[];
}

export function guestBootConfig(o: GuestConfigOptions): NetbootConfigInput {
  return {
    version: 1,
    listen: o.listen,
    serverUrl: o.serverUrl,
    trustedProxies: o.trustedProxies ?? [],
    bootFiles: { dir: o.bootDir },
    retryDelaySec: 2,
    stuckAfterSec: 120,
    ...(o.etcdEndpoints ? { etcd: { endpoints: o.etcdEndpoints, dialTimeoutMs: 2000, requestTimeoutMs: 2000 } } : {}),
    defaults: {
      script: GUEST_SCRIPT,
      kernelArgs: GUEST_KERNEL_ARGS,
      datacenterUuid: DC_UUID,
      agentConfig: AGENT_CONFIG,
      etcdKeys: { dcConfig: '/farm/dc/{uuid}/config', workerEnv: '/farm/workers/{mac}/env' },
    },
    subnets: o.subnets,
  };
}
