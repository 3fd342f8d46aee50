/**
 * Links into the Netboot page: #/netboot?machine=<key> opens the timeline on one machine (its
 * row found and opened with every kept boot event). The key is the machine's MAC in canonical
 * form (or "ip:<address>" for a client without one), as netboot.live keys machines.
 */

export function netbootMachineHash(key: string): string {
  return `#/netboot?machine=${encodeURIComponent(key)}`;
}

/** The machine named in a #/netboot?machine=… hash. */
export function parseNetbootHash(hash: string): { machine: string | undefined } {
  const q = hash.indexOf('?');
  if (!hash.replace(/^#\/?/, '').startsWith('netboot') || q < 0) return { machine: undefined };
  const machine = new URLSearchParams(hash.slice(q + 1)).get('machine');
  return { machine: machine ? machine.slice(0, 128) : undefined };
}
