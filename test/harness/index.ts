// Real servers on loopback for integration tests: see README.md in this folder.
export { registerCleanup, stopAll, stopAllSync, pendingCleanupCount, type CleanupEntry } from './cleanup';
export { getFreePort, getFreePorts, LOOPBACK } from './ports';
export { makeTempDir, type TempDir } from './tmp';
export {
  startProcess,
  isPidAlive,
  listDescendants,
  tcpProbe,
  bannerProbe,
  ProcessStartError,
  RingBuffer,
  type ManagedProcess,
  type StartProcessOptions,
  type ReadyProbe,
  type ExitStatus,
} from './proc';
export { ensureBinary, findBinary, aptInstallCommand, type EnsureBinaryOptions } from './require-binary';
export { startSshd, passwordAuthSupport, type SshdHandle, type SshdOptions, type SshClientKey } from './sshd';
export { startEtcd, etcdHealthProbe, etcdKvReads, type EtcdHandle, type EtcdOptions } from './etcd';
export { etcdctl as runEtcdctl, etcdctlEnv, type EtcdctlResult, type EtcdctlOptions } from './etcdctl';
export {
  startFaultProxy,
  type FaultProxy,
  type FaultProxyOptions,
  type FaultMode,
  type FaultProxyStats,
  type RateLimitOptions,
} from './fault-proxy';
export { startLibvirtd, readLabDomains, LAB_XML_PATH, type LibvirtdHandle, type LibvirtdOptions, type LabDomain, type LabState, type ExtraLabDomain } from './libvirtd';
