import type { Hop, SshTarget } from '../contract/ssh';
import type { SshHostConfig, SshRoute } from './ssh-types';

/** Connection options a feature may set for every hop of a route (defaults: see ssh-types). */
export interface RouteOptions {
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  readyTimeoutMs?: number;
  ciphers?: string[];
  /** What to do with a host key no known_hosts file has: ask a person (default), accept-new, or refuse. */
  unknownHostKey?: SshHostConfig['unknownHostKey'];
}

/** One hop as the connection layer takes it: the login of the hop plus the route's options. */
export function hopConfig(h: Hop, options: RouteOptions = {}): SshHostConfig {
  const config: SshHostConfig = { host: h.host, port: h.port, user: h.user };
  if (h.identityFiles !== undefined) config.identityFiles = h.identityFiles;
  if (h.useAgent !== undefined) config.useAgent = h.useAgent;
  if (h.passwordSecretId !== undefined) config.passwordSecretId = h.passwordSecretId;
  if (options.keepaliveIntervalMs !== undefined) config.keepaliveIntervalMs = options.keepaliveIntervalMs;
  if (options.keepaliveCountMax !== undefined) config.keepaliveCountMax = options.keepaliveCountMax;
  if (options.readyTimeoutMs !== undefined) config.readyTimeoutMs = options.readyTimeoutMs;
  if (options.ciphers !== undefined) config.ciphers = options.ciphers;
  config.unknownHostKey = options.unknownHostKey ?? 'ask';
  return config;
}

/**
 * The one way a Hop chain becomes a route: every hop gets the same keepalive, timeout, cipher and
 * host-key policy, so a jump host is checked exactly like the target.
 */
export function sshRoute(target: Pick<SshTarget, 'target'> & { jumps?: readonly Hop[] }, options: RouteOptions = {}): SshRoute {
  return { jumps: (target.jumps ?? []).map((j) => hopConfig(j, options)), target: hopConfig(target.target, options) };
}
