import { AppError } from '../contract/errors';

/**
 * etcd3 / gRPC failures as AppErrors with the codes of main/contract/errors.ts. The message says
 * what happened (with etcd's own words), the hint what to do.
 */

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function nameOf(err: unknown): string {
  return err instanceof Error ? err.constructor.name : '';
}

/** "required revision has been compacted": the history asked for is gone. */
export function isCompactedError(err: unknown): boolean {
  return /required revision has been compacted/.test(messageOf(err));
}

/** A message over a gRPC size limit (etcd's --max-request-bytes + grpc overhead, or our receive limit). */
export function isTooLargeError(err: unknown): boolean {
  return nameOf(err) === 'GRPCResourceExhastedError' || /message larger than max/i.test(messageOf(err));
}

/** The endpoint is down, refused, unreachable, or the connection broke. */
export function isUnavailableError(err: unknown): boolean {
  const name = nameOf(err);
  return name === 'GRPCUnavailableError' || name === 'ClientClosedError' || name === 'BrokenCircuitError' || /UNAVAILABLE|ECONNREFUSED|ECONNRESET/.test(messageOf(err));
}

export function etcdError(err: unknown, what: string, endpoint?: string): AppError {
  if (err instanceof AppError) return err;
  const msg = messageOf(err).replace(/^\d+ [A-Z_]+: /, '');
  const where = endpoint ? ` (${endpoint})` : '';
  const name = nameOf(err);
  const opts = { cause: err };
  if (isCompactedError(err)) {
    return new AppError('NOT_FOUND', `${what}: etcd has compacted that revision away${where}`, {
      ...opts,
      hint: 'Older revisions are gone after a compaction; reload to read the current state.',
      details: { compacted: true },
    });
  }
  if (/required revision is a future revision/.test(msg)) {
    return new AppError('INVALID_INPUT', `${what}: that revision does not exist yet${where}`, opts);
  }
  if (isTooLargeError(err)) {
    return new AppError('INVALID_INPUT', `${what}: the message is larger than gRPC allows (${msg})${where}`, {
      ...opts,
      hint: "etcd refuses requests over its --max-request-bytes (1.5 MiB by default); store large data elsewhere or raise the server's limit.",
      details: { tooLarge: true },
    });
  }
  if (name === 'GRPCDeadlineExceededError') {
    return new AppError('TIMEOUT', `${what}: etcd did not answer in time${where}`, { ...opts, hint: 'Check that the endpoint (or the tunnel to it) is up and not overloaded.' });
  }
  if (name === 'EtcdAuthenticationFailedError' || name === 'GRPCUnauthenticatedError' || name === 'EtcdInvalidAuthTokenError' || /authentication failed/.test(msg)) {
    return new AppError('AUTH_FAILED', `${what}: etcd refused the user name or password${where}`, { ...opts, hint: 'Check the user name and the stored password.' });
  }
  if (name === 'EtcdPermissionDeniedError' || /permission denied/.test(msg)) {
    return new AppError('PERMISSION_DENIED', `${what}: the etcd user may not do this${where}`, { ...opts, hint: "Grant the user's role access to this key range (etcdctl role grant-permission)." });
  }
  if (/database space exceeded|NOSPACE/i.test(msg)) {
    return new AppError('UNAVAILABLE', `${what}: etcd is out of space and refuses writes${where}`, {
      ...opts,
      hint: 'The NOSPACE alarm is raised: compact, defragment, then disarm the alarm (etcdctl alarm disarm).',
    });
  }
  if (isUnavailableError(err)) {
    return new AppError('UNAVAILABLE', `${what}: etcd is not reachable${where}: ${msg}`, {
      ...opts,
      hint: 'Check that etcd runs at that address, or that the tunnel forwarding to it is up.',
    });
  }
  if (name === 'GRPCInvalidArgumentError') return new AppError('INVALID_INPUT', `${what}: ${msg}`, opts);
  if (name === 'ClientRuntimeError' || name === 'GRPCCancelledError') return new AppError('CANCELLED', `${what}: ${msg}`, opts);
  return new AppError('INTERNAL', `${what}: ${msg || 'unexpected etcd error'}${where}`, opts);
}
