import type { SecretStore } from './secret-store';

/**
 * Which secret ids the store holds, as last read (for "has a password / token" in a list without
 * reading every secret). While the store cannot be listed (a locked vault) every named secret
 * counts as present: the list must not claim a saved password is missing.
 */
export class SecretPresence {
  private ids = new Set<string>();
  private known = false;

  constructor(private readonly secrets: Pick<SecretStore, 'list'>) {}

  async refresh(): Promise<void> {
    try {
      this.ids = new Set((await this.secrets.list()).map((e) => e.id));
      this.known = true;
    } catch {
      this.known = false;
    }
  }

  /** Whether the secret `id` is (or, while the store cannot be listed, may be) stored. */
  has(id: string | undefined): boolean {
    return id !== undefined && (!this.known || this.ids.has(id));
  }
}
