import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { systemClock, type Clock } from '../contract/clock';
import { AppError } from '../contract/errors';
import { Emitter, type Disposable } from '../contract/lifecycle';
import type { HostKeyPrompt } from '../contract/ssh';
import { checkHostKey, formatKnownHostsLine, knownHostKeyTypes, parseKnownHosts, type ParsedKnownHosts } from './known-hosts';
import type { HostKeyCheck } from './ssh-connection';
import { parsePublicKeyBlob } from './ssh-public-key';
import type { SshHostConfig } from './ssh-types';

export interface HostKeyApprover {
  /** Asks a person whether to trust an unknown host key; false or a rejection refuses it. */
  approve(req: { host: string; port: number; keyType: string; fingerprintSha256: string }, signal: AbortSignal): Promise<boolean>;
}

export interface HostKeyVerifierOptions {
  /** The user's files, read only: ~/.ssh/known_hosts by default. */
  userKnownHostsFiles?: string[];
  /** Drover's own file, where approved keys are appended (hashed). */
  droverKnownHostsFile: string;
  approver?: HostKeyApprover;
  /** How a person approves an unknown key where this runs (the CLI names --accept-new). */
  approveHint?: string;
  log?: (line: string) => void;
}

/**
 * Checks host keys against the user's known_hosts and Drover's own file before any credential is
 * sent. A changed or revoked key is refused showing old and new fingerprints; an unknown key needs
 * a person's approval (or the profile's explicit accept-new), and is then recorded.
 */
export class KnownHostsVerifier implements HostKeyCheck {
  private readonly userFiles: string[];

  constructor(private readonly options: HostKeyVerifierOptions) {
    this.userFiles = options.userKnownHostsFiles ?? [path.join(os.homedir(), '.ssh', 'known_hosts'), path.join(os.homedir(), '.ssh', 'known_hosts2')];
  }

  private async sources(): Promise<ParsedKnownHosts[]> {
    const files = [...this.userFiles, this.options.droverKnownHostsFile];
    const out: ParsedKnownHosts[] = [];
    for (const file of files) {
      try {
        out.push(parseKnownHosts(await readFile(file, 'utf8'), file));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.options.log?.(`cannot read ${file}: ${(err as Error).message}`);
      }
    }
    return out;
  }

  async knownKeyTypes(host: string, port: number): Promise<string[]> {
    return knownHostKeyTypes(host, port, await this.sources());
  }

  async verify(host: string, port: number, key: Buffer, policy: SshHostConfig['unknownHostKey'], signal: AbortSignal): Promise<void> {
    const result = checkHostKey({ host, port, key }, await this.sources());
    const where = port === 22 ? host : `[${host}]:${port}`;
    switch (result.status) {
      case 'match':
        return;
      case 'revoked':
        throw new AppError('HOST_KEY_REVOKED', `the host key of ${where} (${result.keyType} ${result.fingerprintSha256}) is marked @revoked in ${result.source}:${result.line}`, {
          hint: 'This key must not be trusted. Ask the server’s administrator for its new key; Drover will not connect with this one.',
          details: { host, port, keyType: result.keyType, fingerprintSha256: result.fingerprintSha256, source: result.source, line: result.line },
        });
      case 'changed': {
        const old = result.expected.map((e) => `${e.type} ${e.fingerprintSha256} (${e.source}:${e.line})`).join(', ');
        throw new AppError('HOST_KEY_CHANGED', `the host key of ${where} has changed: it presented ${result.keyType} ${result.fingerprintSha256}, but ${old} is recorded`, {
          hint: 'This can be a man-in-the-middle attack, or the server was reinstalled. Verify the new fingerprint with its administrator, then remove the old line (ssh-keygen -R) and connect again.',
          details: { host, port, presented: { keyType: result.keyType, fingerprintSha256: result.fingerprintSha256 }, expected: result.expected },
        });
      }
      case 'unknown': {
        const details = { host, port, keyType: result.keyType, fingerprintSha256: result.fingerprintSha256 };
        let trusted = false;
        if (policy === 'accept-new') trusted = true;
        else if (policy !== 'refuse' && this.options.approver) trusted = await this.options.approver.approve(details, signal).catch(() => false);
        if (!trusted) {
          throw new AppError('HOST_KEY_UNKNOWN', `the host key of ${where} (${result.keyType} ${result.fingerprintSha256}) is not known and was not approved`, {
            hint: `Compare the fingerprint with the one the server’s administrator gives you (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the server), then ${this.options.approveHint ?? 'approve it in Drover'}.`,
            details,
          });
        }
        await this.record(host, port, key);
        return;
      }
    }
  }

  private async record(host: string, port: number, key: Buffer): Promise<void> {
    const file = this.options.droverKnownHostsFile;
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const line = formatKnownHostsLine(host, port, parsePublicKeyBlob(key).type, key, { hash: true });
    await appendFile(file, `${line}\n`, { mode: 0o600 });
    this.options.log?.(`recorded host key of ${host}:${port} in ${file}`);
  }
}

/**
 * Host key approvals that wait for a person in the UI. Prompts expire (refused) when nobody
 * answers in time, so a headless run never hangs on one.
 */
export class HostKeyPrompts implements HostKeyApprover, Disposable {
  private readonly open = new Map<string, { prompt: HostKeyPrompt; resolve: (trust: boolean) => void }>();
  private readonly emitter = new Emitter<{ kind: 'prompt'; prompt: HostKeyPrompt } | { kind: 'resolved'; id: string; trusted: boolean }>();
  readonly onDidChange = this.emitter.event;

  constructor(
    private readonly timeoutMs = 120_000,
    private readonly clock: Clock = systemClock,
  ) {}

  pending(): HostKeyPrompt[] {
    return [...this.open.values()].map((o) => o.prompt);
  }

  /** Whether anybody is there to answer (a UI subscribed to prompts). */
  get hasListeners(): boolean {
    return this.emitter.listenerCount > 0;
  }

  approve(req: { host: string; port: number; keyType: string; fingerprintSha256: string }, signal: AbortSignal): Promise<boolean> {
    if (!this.hasListeners) return Promise.resolve(false);
    // One prompt per host and key, however many connections wait for it.
    for (const o of this.open.values()) {
      const p = o.prompt;
      if (p.host === req.host && p.port === req.port && p.fingerprintSha256 === req.fingerprintSha256) {
        return new Promise((resolve) => {
          const prev = o.resolve;
          o.resolve = (t) => {
            prev(t);
            resolve(t);
          };
        });
      }
    }
    const id = randomUUID();
    const prompt: HostKeyPrompt = { id, ...req, reason: 'unknown', expiresAtMs: this.clock.now() + this.timeoutMs };
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => this.settle(id, false), this.timeoutMs);
      const onAbort = () => this.settle(id, false);
      signal.addEventListener('abort', onAbort, { once: true });
      this.open.set(id, {
        prompt,
        resolve: (trusted) => {
          timer.dispose();
          signal.removeEventListener('abort', onAbort);
          resolve(trusted);
        },
      });
      this.emitter.fire({ kind: 'prompt', prompt });
    });
  }

  answer(id: string, trust: boolean): void {
    if (!this.settle(id, trust)) throw new AppError('NOT_FOUND', 'that host key question was already answered or has expired');
  }

  private settle(id: string, trust: boolean): boolean {
    const o = this.open.get(id);
    if (!o) return false;
    this.open.delete(id);
    o.resolve(trust);
    this.emitter.fire({ kind: 'resolved', id, trusted: trust });
    return true;
  }

  dispose(): void {
    for (const id of [...this.open.keys()]) this.settle(id, false);
    this.emitter.dispose();
  }
}
