import { AppError } from '../contract/errors';
import type { ViaTunnel } from '../contract/live';
import type { TunnelProfile, TunnelStatus } from '../contract/tunnels';

/** A local address other features dial to reach a server through a Drover tunnel. */
export interface ForwardAddress {
  host: string;
  port: number;
}

/** Resolves "tunnel X, forward Y" to the address it listens on (etcd, lotus, influx through a tunnel). */
export interface TunnelForwardResolver {
  resolveForward(tunnelId: string, forwardId: string): ForwardAddress | Promise<ForwardAddress>;
}

/** The local address of a tunnel's forward, from the tunnel's status and profile. */
export function forwardAddress(profile: TunnelProfile, status: TunnelStatus, forwardId: string): ForwardAddress {
  const spec = profile.forwards.find((f) => f.id === forwardId);
  const fwd = status.forwards.find((f) => f.id === forwardId);
  if (!spec || !fwd) throw new AppError('NOT_FOUND', `tunnel "${profile.name}" has no forward "${forwardId}"`);
  if (spec.kind !== 'local') throw new AppError('INVALID_INPUT', `forward "${forwardId}" of tunnel "${profile.name}" is ${spec.kind}, not a local (-L) forward`);
  const port = fwd.boundPort ?? spec.bindPort;
  if (!['listening', 'up', 'connecting'].includes(fwd.state) || !port) {
    throw new AppError('UNAVAILABLE', `tunnel "${profile.name}" is ${status.state}; its forward ${fwd.label} is ${fwd.state}`, {
      hint: `Start the tunnel "${profile.name}" first.`,
      details: { tunnelId: profile.id, forwardId },
    });
  }
  const host = spec.bindAddress === '0.0.0.0' || spec.bindAddress === '*' ? '127.0.0.1' : spec.bindAddress === '::' ? '::1' : spec.bindAddress;
  return { host, port };
}

/** How a source that goes through this tunnel names it in its health ("etcd down: tunnel 'edge' backing off, retry in 8 s"). */
export function viaTunnel(profile: TunnelProfile, status: TunnelStatus): ViaTunnel {
  return {
    tunnelId: profile.id,
    name: profile.name,
    state: status.state,
    ...(status.retryAtMs !== undefined ? { retryAtMs: status.retryAtMs } : {}),
    ...(status.error ? { error: status.error } : {}),
  };
}
