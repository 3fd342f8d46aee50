import { AppError, type ErrorCode } from '../contract/errors';

/** Codes that no retry can fix: the user must act (approve a key, fix credentials, unlock). */
const PERMANENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'AUTH_FAILED',
  'HOST_KEY_CHANGED',
  'HOST_KEY_REVOKED',
  'HOST_KEY_UNKNOWN',
  'INVALID_INPUT',
  'LOCKED',
  'PORT_IN_USE',
  'PERMISSION_DENIED',
]);

export function isPermanent(err: AppError): boolean {
  return PERMANENT.has(err.code);
}

const TRANSIENT_SOCKET: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  EPIPE: 'connection broken',
  EAI_AGAIN: 'DNS did not answer',
  ENOTFOUND: 'host name not found',
  ECONNABORTED: 'connection aborted',
};

/** Turns what ssh2 and sockets throw into an AppError with a cause and a hint. */
export function classifySshError(err: unknown, where: string): AppError {
  if (err instanceof AppError) return err;
  const e = err as { message?: string; level?: string; code?: string | number };
  const message = e?.message ?? String(err);
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (e?.level === 'client-authentication' || /authentication methods failed/i.test(message)) {
    return new AppError('AUTH_FAILED', `${where}: login rejected (${message})`, {
      hint: 'Check the user name, the key (or its passphrase) and that the public key is in the server’s authorized_keys. Drover does not retry a rejected login.',
      cause: err,
    });
  }
  if (code && code in TRANSIENT_SOCKET) {
    const what = TRANSIENT_SOCKET[code];
    const hint =
      code === 'ECONNREFUSED'
        ? 'Nothing listens on that port: is sshd running? Drover keeps retrying.'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'Check the host name and your DNS. Drover keeps retrying.'
          : 'The network path is down. Drover keeps retrying.';
    return new AppError('UNAVAILABLE', `${where}: ${what} (${code})`, { hint, details: { errno: code }, cause: err });
  }
  if (e?.level === 'client-timeout' || /timed out|timeout/i.test(message)) {
    const keepalive = /keepalive/i.test(message);
    return new AppError('TIMEOUT', `${where}: ${keepalive ? 'no answer to keepalives: the link is dead' : 'no answer during the SSH handshake'}`, {
      hint: 'The server or the network stopped answering. Drover reconnects when it answers again.',
      cause: err,
    });
  }
  return new AppError('UNAVAILABLE', `${where}: ${message}`, { hint: 'Drover keeps retrying.', cause: err });
}
