import { createCipheriv, createDecipheriv, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { systemClock, type Clock } from '../contract/clock';
import { AppError } from '../contract/errors';
import { Emitter, type Event } from '../contract/lifecycle';
import type { SecretEntry, SecretStatus } from '../contract/secrets';
import { readError, writeError } from './file-errors';
import { errnoCode, exists, FileTooLargeError, keepAside, readFileLimited, writeFileAtomic } from './atomic-file';
import { checkSecretInput, lockedError, sortedEntries, type SecretStore, type SecretStoreChange, type StoredSecret } from './secret-store';
import { SerialQueue } from './serial-queue';

export const VAULT_FILE_NAME = 'secrets.vault';
export const VAULT_FORMAT = 'drover-vault';
export const VAULT_VERSION = 1;

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** About 32 MiB and a few hundred milliseconds per unlock on a laptop. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

const KEY_BYTES = 32;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_VAULT_BYTES = 32 * 1024 * 1024;

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);

/** The header is checked before any work; bounds keep a tampered file from asking for 1 TiB of scrypt. */
const VaultFileSchema = z.object({
  format: z.literal(VAULT_FORMAT),
  v: z.literal(VAULT_VERSION),
  kdf: z.object({
    name: z.literal('scrypt'),
    N: z
      .number()
      .int()
      .min(2)
      .max(2 ** 20)
      .refine((n) => (n & (n - 1)) === 0, 'N must be a power of two'),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
    salt: b64.min(16),
  }),
  cipher: z.literal('aes-256-gcm'),
  iv: b64,
  tag: b64,
  ct: b64,
});
type VaultFile = z.infer<typeof VaultFileSchema>;

const VaultPlaintextSchema = z.object({
  secrets: z.record(z.string(), z.object({ label: z.string().optional(), value: z.string() })),
});

export interface VaultSecretStoreOptions {
  /** The config directory. */
  dir: string;
  fileName?: string;
  /** scrypt cost for a new vault (tests pass a small N). An existing vault keeps its own. */
  scrypt?: ScryptParams;
  /** Shortest passphrase accepted when creating a vault. Default 8. */
  minPassphraseChars?: number;
  clock?: Clock;
}

interface Unlocked {
  key: Buffer;
  salt: Buffer;
  params: ScryptParams;
  secrets: Map<string, StoredSecret>;
}

/**
 * Secrets in one file encrypted with a key derived from a passphrase (scrypt, AES-256-GCM, a
 * new random IV on every write, the header bound as additional data). Locked until unlocked;
 * the key and the decrypted secrets live only in memory while unlocked.
 */
export class VaultSecretStore implements SecretStore {
  readonly file: string;
  private state: Unlocked | undefined;
  /** Why the vault is degraded (a damaged file was kept aside), shown in status. */
  private problem: string | undefined;
  private readonly queue = new SerialQueue();
  private readonly changeEmitter = new Emitter<SecretStoreChange>();
  private readonly params: ScryptParams;
  private readonly minPassphraseChars: number;
  private readonly clock: Clock;
  readonly onDidChange: Event<SecretStoreChange> = this.changeEmitter.event;

  constructor(options: VaultSecretStoreOptions) {
    this.file = path.join(options.dir, options.fileName ?? VAULT_FILE_NAME);
    this.params = options.scrypt ?? DEFAULT_SCRYPT_PARAMS;
    this.minPassphraseChars = options.minPassphraseChars ?? 8;
    this.clock = options.clock ?? systemClock;
  }

  async status(): Promise<SecretStatus> {
    const status: SecretStatus = { backend: 'vault', persistent: true, locked: this.state === undefined, vaultExists: await exists(this.file) };
    if (this.problem !== undefined) status.reason = this.problem;
    return status;
  }

  unlock(passphrase: string): Promise<SecretStatus> {
    return this.queue.run(async () => {
      if (typeof passphrase !== 'string' || passphrase.length === 0) throw new AppError('INVALID_INPUT', 'the passphrase is empty');
      if (this.state) {
        const again = await deriveKey(passphrase, this.state.salt, this.state.params);
        const same = timingSafeEqual(again, this.state.key);
        again.fill(0);
        if (!same) throw wrongPassphrase();
        return this.status();
      }
      let bytes: Buffer | undefined;
      try {
        bytes = await readFileLimited(this.file, MAX_VAULT_BYTES);
      } catch (err) {
        if (err instanceof FileTooLargeError) await this.keepAsideAndThrow('corrupt', `${path.basename(this.file)} is too large to be a Drover vault`);
        else if (errnoCode(err) !== 'ENOENT') throw readError(this.file, err);
      }
      this.state = bytes === undefined ? await this.create(passphrase) : await this.open(bytes, passphrase);
      this.problem = undefined;
      this.changeEmitter.fire({ kind: 'status' });
      return this.status();
    });
  }

  lock(): Promise<SecretStatus> {
    return this.queue.run(async () => {
      if (this.forget()) this.changeEmitter.fire({ kind: 'status' });
      return this.status();
    });
  }

  async list(): Promise<SecretEntry[]> {
    return sortedEntries(this.unlocked().secrets);
  }

  async get(id: string): Promise<string | undefined> {
    return this.unlocked().secrets.get(id)?.value;
  }

  async set(id: string, value: string, label?: string): Promise<SecretEntry> {
    checkSecretInput(id, value, label);
    return this.queue.run(async () => {
      const state = this.unlocked();
      const keptLabel = label ?? state.secrets.get(id)?.label;
      const next = new Map(state.secrets);
      next.set(id, keptLabel === undefined ? { value } : { label: keptLabel, value });
      await this.write(state, next);
      state.secrets = next;
      this.changeEmitter.fire({ kind: 'entries', id });
      return keptLabel === undefined ? { id } : { id, label: keptLabel };
    });
  }

  delete(id: string): Promise<boolean> {
    return this.queue.run(async () => {
      const state = this.unlocked();
      if (!state.secrets.has(id)) return false;
      const next = new Map(state.secrets);
      next.delete(id);
      await this.write(state, next);
      state.secrets = next;
      this.changeEmitter.fire({ kind: 'entries', id });
      return true;
    });
  }

  dispose(): void {
    this.forget();
    this.changeEmitter.dispose();
  }

  private unlocked(): Unlocked {
    if (!this.state) throw lockedError();
    return this.state;
  }

  private forget(): boolean {
    if (!this.state) return false;
    this.state.key.fill(0);
    this.state.secrets.clear();
    this.state = undefined;
    return true;
  }

  private async create(passphrase: string): Promise<Unlocked> {
    if ([...passphrase].length < this.minPassphraseChars) {
      throw new AppError('INVALID_INPUT', `a new vault needs a passphrase of at least ${this.minPassphraseChars} characters`, {
        hint: 'Choose a longer passphrase; it cannot be recovered, so keep it somewhere safe.',
      });
    }
    const salt = randomBytes(SALT_BYTES);
    const params = { ...this.params };
    const state: Unlocked = { key: await deriveKey(passphrase, salt, params), salt, params, secrets: new Map() };
    try {
      await this.write(state, state.secrets);
    } catch (err) {
      state.key.fill(0);
      throw err;
    }
    return state;
  }

  private async open(bytes: Buffer, passphrase: string): Promise<Unlocked> {
    const name = path.basename(this.file);
    let raw: unknown;
    try {
      raw = JSON.parse(bytes.toString('utf8'));
    } catch {
      return this.keepAsideAndThrow('corrupt', `${name} is not valid JSON`);
    }
    const version = typeof raw === 'object' && raw !== null ? (raw as { v?: unknown }).v : undefined;
    if (typeof version === 'number' && version > VAULT_VERSION && (raw as { format?: unknown }).format === VAULT_FORMAT) {
      return this.keepAsideAndThrow('newer', `${name} was written by a newer Drover (vault version ${version})`);
    }
    const parsed = VaultFileSchema.safeParse(raw);
    if (!parsed.success) return this.keepAsideAndThrow('corrupt', `${name} is not a Drover vault (${parsed.error.issues[0]?.message ?? 'bad format'})`);
    const file = parsed.data;
    const iv = Buffer.from(file.iv, 'base64');
    const tag = Buffer.from(file.tag, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return this.keepAsideAndThrow('corrupt', `${name} has a malformed IV or tag`);

    const salt = Buffer.from(file.kdf.salt, 'base64');
    const params: ScryptParams = { N: file.kdf.N, r: file.kdf.r, p: file.kdf.p };
    const key = await deriveKey(passphrase, salt, params);
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(headerAad(params, file.kdf.salt));
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(Buffer.from(file.ct, 'base64')), decipher.final()]);
    } catch {
      // GCM cannot tell a wrong key from a modified file: both fail authentication.
      key.fill(0);
      throw wrongPassphrase();
    }
    let secrets: Map<string, StoredSecret>;
    try {
      const content = VaultPlaintextSchema.parse(JSON.parse(plaintext.toString('utf8')));
      secrets = new Map(Object.entries(content.secrets).map(([id, s]) => [id, s.label === undefined ? { value: s.value } : { label: s.label, value: s.value }]));
    } catch {
      key.fill(0);
      return this.keepAsideAndThrow('corrupt', `${name} decrypted to something that is not a Drover vault`);
    } finally {
      plaintext.fill(0);
    }
    return { key, salt, params, secrets };
  }

  private async write(state: Unlocked, secrets: ReadonlyMap<string, StoredSecret>): Promise<void> {
    const saltB64 = state.salt.toString('base64');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', state.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(headerAad(state.params, saltB64));
    const plaintext = Buffer.from(JSON.stringify({ secrets: Object.fromEntries(secrets) }), 'utf8');
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    plaintext.fill(0);
    const doc: VaultFile = {
      format: VAULT_FORMAT,
      v: VAULT_VERSION,
      kdf: { name: 'scrypt', N: state.params.N, r: state.params.r, p: state.params.p, salt: saltB64 },
      cipher: 'aes-256-gcm',
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ct: ct.toString('base64'),
    };
    try {
      await writeFileAtomic(this.file, `${JSON.stringify(doc, null, 2)}\n`);
    } catch (err) {
      throw writeError(this.file, err);
    }
  }

  private async keepAsideAndThrow(tag: 'corrupt' | 'newer', why: string): Promise<never> {
    let keptAs: string;
    try {
      keptAs = await keepAside(this.file, tag, this.clock.now());
    } catch (err) {
      const code = errnoCode(err) ?? String(err);
      this.problem = `${why}; it could not be moved aside (${code}) and is left untouched.`;
      throw new AppError('UNAVAILABLE', this.problem, { hint: `Move ${this.file} away by hand to start a new vault.`, details: { file: this.file } });
    }
    this.problem = `${why}; it was kept as ${path.basename(keptAs)}. Unlocking again creates a new, empty vault.`;
    this.changeEmitter.fire({ kind: 'status' });
    throw new AppError('UNAVAILABLE', `the secret vault could not be opened: ${this.problem}`, {
      hint: `Nothing was overwritten: the old file is ${keptAs}. Unlock again with a new passphrase to start an empty vault.`,
      details: { file: this.file, keptAs },
    });
  }
}

/** The header fields that are not secret but must not be changed: bound to the ciphertext. */
function headerAad(params: ScryptParams, saltB64: string): Buffer {
  return Buffer.from(JSON.stringify([VAULT_FORMAT, VAULT_VERSION, 'scrypt', params.N, params.r, params.p, saltB64, 'aes-256-gcm']), 'utf8');
}

function deriveKey(passphrase: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 128 * params.N * params.r * (params.p + 1) + 16 * 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function wrongPassphrase(): AppError {
  return new AppError('UNAUTHENTICATED', 'wrong passphrase for the secret vault', {
    hint: 'Type the passphrase chosen when the vault was created (it is case-sensitive). It cannot be recovered; if it is lost, move secrets.vault away to start a new, empty vault.',
  });
}
