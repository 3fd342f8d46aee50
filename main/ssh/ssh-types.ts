import { routeLabel } from '../contract/ssh';
import type { AppError } from '../contract/errors';
import type { Event } from '../contract/lifecycle';

/** One SSH server to log in to: a hop of a route (a jump host or the target). */
export interface SshHostConfig {
  host: string;
  port: number;
  user: string;
  /** Private key files to offer, in order (OpenSSH IdentityFile). */
  identityFiles?: string[];
  /** Offer keys from ssh-agent (SSH_AUTH_SOCK). Default: true when an agent is running. */
  useAgent?: boolean;
  /** Try password / keyboard-interactive with the password stored under this secret id. */
  passwordSecretId?: string;
  /** SSH keepalive: interval and unanswered count before the link is declared dead. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Handshake + authentication deadline. */
  readyTimeoutMs?: number;
  /** Cipher preference, e.g. ['aes128-gcm@openssh.com']; default: ssh2's (AES-GCM first with AES-NI). */
  ciphers?: string[];
  /** What to do with a host key that is in no known_hosts file: ask the user (default) or accept and record it. */
  unknownHostKey?: 'ask' | 'accept-new' | 'refuse';
}

/** A target reached through zero or more jump hosts (OpenSSH ProxyJump order: first hop first). */
export interface SshRoute {
  jumps: SshHostConfig[];
  target: SshHostConfig;
}

export const DEFAULT_KEEPALIVE_INTERVAL_MS = 5_000;
export const DEFAULT_KEEPALIVE_COUNT_MAX = 2;
export const DEFAULT_READY_TIMEOUT_MS = 10_000;

/** The route as people read it: "user@jump:22 > user@target:22". */
export function routeKey(route: SshRoute): string {
  return routeLabel(route.target, route.jumps);
}

/** One hop's whole login: where, as whom, and with which credentials. */
function hopLogin(h: SshHostConfig): string {
  const ids = (h.identityFiles ?? []).join('\u0001');
  return JSON.stringify([h.user, h.host, h.port, ids, h.useAgent ?? null, h.passwordSecretId ?? null]);
}

/**
 * Which connections may be shared: only between routes whose every hop logs in the same way
 * (user, host, port and identity: key files, agent, password). A profile with a wrong key must not
 * ride on another profile's authenticated connection to the same user@host.
 */
export function loginKey(route: SshRoute): string {
  return [...route.jumps, route.target].map(hopLogin).join(' > ');
}

export function routeHops(route: SshRoute): SshHostConfig[] {
  return [...route.jumps, route.target];
}

export type ConnectionState =
  | { kind: 'idle' }
  | { kind: 'connecting'; attempt: number; sinceMs: number }
  | { kind: 'ready'; sinceMs: number }
  | { kind: 'backoff'; attempt: number; retryAtMs: number; error: AppError }
  /** Waiting for a jump host that is not up yet. */
  | { kind: 'waiting'; on: string; error?: AppError }
  /** A permanent failure: no retries until retryNow() or a new configuration. */
  | { kind: 'failed'; error: AppError };


export type { Event };
