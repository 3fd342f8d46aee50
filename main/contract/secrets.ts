import { z } from 'zod';
import { defineContract, method, stream } from './define';

/**
 * Secrets (key passphrases, passwords, API tokens). The renderer may store, list and delete them,
 * never read a value back: there is deliberately no `get` here. Services in main read values
 * through the SecretStore interface (main/settings/secret-store.ts).
 */

/** Stable ids chosen by the owning feature, e.g. "ssh:prod-1:password" or "etcd/lab/token". */
export const SecretIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, 'letters, digits and . _ : / @ - only, starting with a letter or digit');

export const SecretLabelSchema = z.string().max(256);

/** 64 KiB is room for a private key; passphrases and tokens are far smaller. */
export const SECRET_VALUE_MAX_CHARS = 65_536;

export const SecretBackendSchema = z.enum(['safeStorage', 'vault', 'memory']);
export type SecretBackend = z.infer<typeof SecretBackendSchema>;

export const SecretStatusSchema = z.object({
  backend: SecretBackendSchema,
  /** Whether secrets outlive this run of Drover. */
  persistent: z.boolean(),
  /** A locked vault refuses list/set/delete until unlocked. */
  locked: z.boolean(),
  /** Whether the encrypted vault file exists (an unlock creates it otherwise). */
  vaultExists: z.boolean(),
  /** Why the store is degraded (memory only, refused backend, vault kept aside), in English. */
  reason: z.string().max(4096).optional(),
});
export type SecretStatus = z.infer<typeof SecretStatusSchema>;

export const SecretEntrySchema = z.object({
  id: SecretIdSchema,
  label: SecretLabelSchema.optional(),
});
export type SecretEntry = z.infer<typeof SecretEntrySchema>;

export const SecretsSnapshotSchema = z.object({
  status: SecretStatusSchema,
  /** Ids and labels; null while the store is locked. */
  entries: z.array(SecretEntrySchema).nullable(),
});
export type SecretsSnapshot = z.infer<typeof SecretsSnapshotSchema>;

export const PassphraseSchema = z.string().min(1).max(1024);

/** scrypt takes a moment by design; leave room on slow machines. */
const UNLOCK_TIMEOUT_MS = 120_000;

export const secretsContract = defineContract({
  status: method({ input: z.null(), output: SecretStatusSchema }),
  /**
   * Opens the vault (the web host's store); creates it with this passphrase if none exists.
   * A wrong passphrase fails with UNAUTHENTICATED. Stores that need no unlock just answer status.
   */
  unlock: method({ input: z.object({ passphrase: PassphraseSchema }), output: SecretStatusSchema, timeoutMs: UNLOCK_TIMEOUT_MS }),
  lock: method({ input: z.null(), output: SecretStatusSchema }),
  /** Ids and labels only. LOCKED while the vault is locked. */
  list: method({ input: z.null(), output: z.array(SecretEntrySchema) }),
  set: method({
    input: z.object({ id: SecretIdSchema, label: SecretLabelSchema.optional(), value: z.string().min(1).max(SECRET_VALUE_MAX_CHARS) }),
    output: SecretEntrySchema,
  }),
  delete: method({ input: z.object({ id: SecretIdSchema }), output: z.object({ deleted: z.boolean() }) }),
  /** Status and entries first, then again after every change (lock, unlock, set, delete). */
  changes: stream({ input: z.null(), event: SecretsSnapshotSchema }),
});
