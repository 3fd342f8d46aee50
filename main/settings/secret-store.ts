import { AppError } from '../contract/errors';
import { Emitter, type Disposable, type Event } from '../contract/lifecycle';
import { SECRET_VALUE_MAX_CHARS, SecretIdSchema, SecretLabelSchema, type SecretEntry, type SecretStatus } from '../contract/secrets';

export type { SecretEntry, SecretStatus } from '../contract/secrets';

export type SecretStoreChange = { kind: 'status' } | { kind: 'entries'; id: string };

/**
 * Where secrets (key passphrases, passwords, API tokens) live. Values never reach disk in
 * plaintext. Implementations: MemorySecretStore (this run only), VaultSecretStore (a file
 * encrypted with a passphrase, for the web host), SafeStorageSecretStore (Electron's safeStorage,
 * for the desktop). `get` is for services in main only: the contract has no way to read a value.
 */
export interface SecretStore extends Disposable {
  status(): Promise<SecretStatus>;
  /** Opens a vault (creating it with this passphrase if none exists). Other stores: a no-op. */
  unlock(passphrase: string): Promise<SecretStatus>;
  /** Forgets the key and the decrypted secrets. Stores that cannot lock: a no-op. */
  lock(): Promise<SecretStatus>;
  /** Ids and labels, sorted by id. LOCKED while locked. */
  list(): Promise<SecretEntry[]>;
  /** Adds or replaces a secret; an omitted label keeps the existing one. LOCKED while locked. */
  set(id: string, value: string, label?: string): Promise<SecretEntry>;
  /** The value, or undefined when there is no such secret. LOCKED while locked. */
  get(id: string): Promise<string | undefined>;
  /** Whether something was deleted. LOCKED while locked. */
  delete(id: string): Promise<boolean>;
  readonly onDidChange: Event<SecretStoreChange>;
}

export interface StoredSecret {
  label?: string;
  value: string;
}

/** Checks what main-side callers pass (the RPC layer already checked what the renderer sent). */
export function checkSecretInput(id: string, value?: string, label?: string): void {
  if (!SecretIdSchema.safeParse(id).success) {
    throw new AppError('INVALID_INPUT', `invalid secret id: ${JSON.stringify(id.slice(0, 140))}`, {
      hint: 'Secret ids are 1-128 letters, digits and . _ : / @ -, starting with a letter or digit.',
    });
  }
  if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > SECRET_VALUE_MAX_CHARS)) {
    throw new AppError('INVALID_INPUT', `a secret value must be 1 to ${SECRET_VALUE_MAX_CHARS} characters`);
  }
  if (label !== undefined && !SecretLabelSchema.safeParse(label).success) {
    throw new AppError('INVALID_INPUT', 'a secret label must be at most 256 characters');
  }
}

export function sortedEntries(map: ReadonlyMap<string, { label?: string }>): SecretEntry[] {
  return [...map.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, s]) => (s.label === undefined ? { id } : { id, label: s.label }));
}

export function lockedError(): AppError {
  return new AppError('LOCKED', 'the secret vault is locked', {
    hint: 'Unlock it with the vault passphrase (Settings → Secrets), then try again.',
  });
}

/** Secrets kept in memory for this run only; never writes a file. */
export class MemorySecretStore implements SecretStore {
  private readonly secrets = new Map<string, StoredSecret>();
  private readonly changeEmitter = new Emitter<SecretStoreChange>();
  readonly onDidChange: Event<SecretStoreChange> = this.changeEmitter.event;

  constructor(private readonly reason: string = 'Secrets are kept in memory only and are forgotten when Drover quits.') {}

  async status(): Promise<SecretStatus> {
    return { backend: 'memory', persistent: false, locked: false, vaultExists: false, reason: this.reason };
  }

  async unlock(_passphrase: string): Promise<SecretStatus> {
    return this.status();
  }

  async lock(): Promise<SecretStatus> {
    return this.status();
  }

  async list(): Promise<SecretEntry[]> {
    return sortedEntries(this.secrets);
  }

  async set(id: string, value: string, label?: string): Promise<SecretEntry> {
    checkSecretInput(id, value, label);
    const next: StoredSecret = { value };
    const keptLabel = label ?? this.secrets.get(id)?.label;
    if (keptLabel !== undefined) next.label = keptLabel;
    this.secrets.set(id, next);
    this.changeEmitter.fire({ kind: 'entries', id });
    return keptLabel === undefined ? { id } : { id, label: keptLabel };
  }

  async get(id: string): Promise<string | undefined> {
    return this.secrets.get(id)?.value;
  }

  async delete(id: string): Promise<boolean> {
    const deleted = this.secrets.delete(id);
    if (deleted) this.changeEmitter.fire({ kind: 'entries', id });
    return deleted;
  }

  dispose(): void {
    this.secrets.clear();
    this.changeEmitter.dispose();
  }
}
