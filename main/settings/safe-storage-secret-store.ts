import path from 'node:path';
import { z } from 'zod';
import { systemClock, type Clock } from '../contract/clock';
import { AppError } from '../contract/errors';
import { Emitter, type Event } from '../contract/lifecycle';
import type { SecretEntry, SecretStatus } from '../contract/secrets';
import { errnoCode, FileTooLargeError, keepAside, readFileLimited, writeFileAtomic } from './atomic-file';
import { writeError } from './file-errors';
import { checkSecretInput, MemorySecretStore, sortedEntries, type SecretStore, type SecretStoreChange } from './secret-store';
import { SerialQueue } from './serial-queue';

/** The part of Electron's `safeStorage` this store uses; electron/ passes the real one in. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  /** Linux only: basic_text, gnome_libsecret, kwallet, kwallet5, kwallet6, or unknown before app ready. */
  getSelectedStorageBackend?(): string;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export const SAFE_STORAGE_FILE_NAME = 'secrets.safe.json';
const FORMAT = 'drover-safe-storage';
const VERSION = 1;
const MAX_FILE_BYTES = 32 * 1024 * 1024;

const SafeFileSchema = z.object({
  format: z.literal(FORMAT),
  v: z.literal(VERSION),
  /** Ids and labels in clear (they are listed in the UI anyway); values as OS-encrypted base64. */
  secrets: z.record(z.string(), z.object({ label: z.string().optional(), ct: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/) })),
});

interface Sealed {
  label?: string;
  /** base64 of safeStorage.encryptString(value); decrypted only when a service asks. */
  ct: string;
}

export interface SafeStorageSecretStoreOptions {
  safeStorage: SafeStorageLike;
  /** The config directory. */
  dir: string;
  fileName?: string;
  clock?: Clock;
}

/**
 * Secrets encrypted by the operating system's keyring through Electron's safeStorage, stored in
 * secrets.safe.json. Refuses to persist when safeStorage has no real protection (Linux's
 * basic_text backend, or encryption unavailable): it then keeps secrets in memory only and says
 * why in status().reason.
 */
export class SafeStorageSecretStore implements SecretStore {
  readonly file: string;
  /** Set when safeStorage is refused: everything goes to memory. */
  private readonly fallback: MemorySecretStore | undefined;
  /** Set when the file must not be written this run (unreadable, or damaged and stuck): memory only. */
  private readOnlyReason: string | undefined;
  /** What happened to a damaged file at load (kept aside); persisting goes on with a new file. */
  private note: string | undefined;
  private sealed = new Map<string, Sealed>();
  private loading: Promise<void> | undefined;
  private readonly queue = new SerialQueue();
  private readonly changeEmitter = new Emitter<SecretStoreChange>();
  private readonly safeStorage: SafeStorageLike;
  private readonly clock: Clock;
  readonly onDidChange: Event<SecretStoreChange>;

  constructor(options: SafeStorageSecretStoreOptions) {
    this.file = path.join(options.dir, options.fileName ?? SAFE_STORAGE_FILE_NAME);
    this.safeStorage = options.safeStorage;
    this.clock = options.clock ?? systemClock;
    const refusal = refusalReason(options.safeStorage);
    if (refusal !== undefined) {
      this.fallback = new MemorySecretStore(refusal);
      this.onDidChange = this.fallback.onDidChange;
    } else {
      this.onDidChange = this.changeEmitter.event;
    }
  }

  async status(): Promise<SecretStatus> {
    if (this.fallback) return this.fallback.status();
    await this.load();
    const status: SecretStatus = { backend: 'safeStorage', persistent: this.readOnlyReason === undefined, locked: false, vaultExists: false };
    const reason = this.readOnlyReason ?? this.note;
    if (reason !== undefined) status.reason = reason;
    return status;
  }

  async unlock(_passphrase: string): Promise<SecretStatus> {
    return this.status();
  }

  async lock(): Promise<SecretStatus> {
    return this.status();
  }

  async list(): Promise<SecretEntry[]> {
    if (this.fallback) return this.fallback.list();
    await this.load();
    return sortedEntries(this.sealed);
  }

  async get(id: string): Promise<string | undefined> {
    if (this.fallback) return this.fallback.get(id);
    await this.load();
    const sealed = this.sealed.get(id);
    if (!sealed) return undefined;
    try {
      return this.safeStorage.decryptString(Buffer.from(sealed.ct, 'base64'));
    } catch (err) {
      throw new AppError('LOCKED', `the system keyring could not decrypt the secret ${id}`, {
        hint: 'The keyring may be locked, or was reset since the secret was saved. Unlock the keyring, or set the secret again.',
        cause: err,
      });
    }
  }

  async set(id: string, value: string, label?: string): Promise<SecretEntry> {
    if (this.fallback) return this.fallback.set(id, value, label);
    checkSecretInput(id, value, label);
    await this.load();
    return this.queue.run(async () => {
      let ct: string;
      try {
        ct = this.safeStorage.encryptString(value).toString('base64');
      } catch (err) {
        throw new AppError('LOCKED', 'the system keyring could not encrypt the secret', { hint: 'Unlock the system keyring and try again.', cause: err });
      }
      const keptLabel = label ?? this.sealed.get(id)?.label;
      const next = new Map(this.sealed);
      next.set(id, keptLabel === undefined ? { ct } : { label: keptLabel, ct });
      await this.write(next);
      this.sealed = next;
      this.changeEmitter.fire({ kind: 'entries', id });
      return keptLabel === undefined ? { id } : { id, label: keptLabel };
    });
  }

  async delete(id: string): Promise<boolean> {
    if (this.fallback) return this.fallback.delete(id);
    await this.load();
    return this.queue.run(async () => {
      if (!this.sealed.has(id)) return false;
      const next = new Map(this.sealed);
      next.delete(id);
      await this.write(next);
      this.sealed = next;
      this.changeEmitter.fire({ kind: 'entries', id });
      return true;
    });
  }

  dispose(): void {
    this.fallback?.dispose();
    this.sealed.clear();
    this.changeEmitter.dispose();
  }

  /** Reads the file once; problems end up in status().reason, never as a throw. */
  load(): Promise<void> {
    this.loading ??= this.queue.run(() => this.doLoad());
    return this.loading;
  }

  private async write(next: Map<string, Sealed>): Promise<void> {
    if (this.readOnlyReason !== undefined) return; // memory only: never write over a file we could not read
    const doc = { format: FORMAT, v: VERSION, secrets: Object.fromEntries(next) };
    try {
      await writeFileAtomic(this.file, `${JSON.stringify(doc, null, 2)}\n`);
    } catch (err) {
      throw writeError(this.file, err);
    }
  }

  private async doLoad(): Promise<void> {
    const name = path.basename(this.file);
    let bytes: Buffer;
    try {
      bytes = await readFileLimited(this.file, MAX_FILE_BYTES);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      if (err instanceof FileTooLargeError) return this.keepAside('corrupt', `${name} is too large`);
      this.readOnlyReason = `${this.file} could not be read (${errnoCode(err) ?? String(err)}); secrets set now are kept in memory only and the file is left untouched.`;
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(bytes.toString('utf8'));
    } catch {
      return this.keepAside('corrupt', `${name} is not valid JSON`);
    }
    const v = typeof raw === 'object' && raw !== null ? (raw as { v?: unknown }).v : undefined;
    if (typeof v === 'number' && v > VERSION) return this.keepAside('newer', `${name} was written by a newer Drover (version ${v})`);
    const parsed = SafeFileSchema.safeParse(raw);
    if (!parsed.success) return this.keepAside('corrupt', `${name} is not a Drover secrets file`);
    this.sealed = new Map(Object.entries(parsed.data.secrets).map(([id, s]) => [id, s.label === undefined ? { ct: s.ct } : { label: s.label, ct: s.ct }]));
  }

  private async keepAside(tag: 'corrupt' | 'newer', why: string): Promise<void> {
    try {
      const keptAs = await keepAside(this.file, tag, this.clock.now());
      this.note = `${why}; it was kept as ${path.basename(keptAs)} and a new, empty one is used.`;
    } catch (err) {
      this.readOnlyReason = `${why} and could not be moved aside (${errnoCode(err) ?? String(err)}); secrets set now are kept in memory only.`;
    }
  }
}

/** Why safeStorage must not be trusted with secrets on this machine, or undefined when it can. */
export function refusalReason(safeStorage: SafeStorageLike): string | undefined {
  let available = false;
  try {
    available = safeStorage.isEncryptionAvailable();
  } catch {
    available = false;
  }
  if (!available) {
    return 'The system keyring is not available to Drover (safeStorage reports no encryption), so secrets are kept in memory only and are forgotten when Drover quits.';
  }
  let backend: string | undefined;
  try {
    backend = safeStorage.getSelectedStorageBackend?.();
  } catch {
    backend = 'unknown';
  }
  if (backend === 'basic_text') {
    return "No system keyring was found (Electron's safeStorage fell back to its basic_text backend, which does not protect secrets), so secrets are kept in memory only. Install and unlock a keyring such as GNOME Keyring or KWallet to keep them between runs.";
  }
  if (backend === 'unknown') {
    return 'The system keyring could not be identified (safeStorage was asked before Electron was ready), so secrets are kept in memory only.';
  }
  return undefined;
}
