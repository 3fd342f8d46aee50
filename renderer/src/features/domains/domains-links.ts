/** Links into the Domains page: #/domains?host=<id> shows the domains of one KVM host (its host filter). */

export function domainsHostHash(hostId: string): string {
  return `#/domains?host=${encodeURIComponent(hostId)}`;
}

/** The KVM host id named in a #/domains?host=… hash. */
export function parseDomainsHash(hash: string): { host: string | undefined } {
  const q = hash.indexOf('?');
  if (!hash.replace(/^#\/?/, '').startsWith('domains') || q < 0) return { host: undefined };
  const host = new URLSearchParams(hash.slice(q + 1)).get('host');
  return { host: host ? host.slice(0, 64) : undefined };
}
