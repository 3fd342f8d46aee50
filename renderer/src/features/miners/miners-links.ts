/** Links into the Miners page: #/miners?worker=<name> shows the jobs of one lotus worker. */

export function minersWorkerHash(worker: string): string {
  return `#/miners?worker=${encodeURIComponent(worker)}`;
}

/** The lotus worker (hostname or worker id) named in a #/miners?worker=… hash. */
export function parseMinersHash(hash: string): { worker: string | undefined } {
  const q = hash.indexOf('?');
  if (!hash.replace(/^#\/?/, '').startsWith('miners') || q < 0) return { worker: undefined };
  const worker = new URLSearchParams(hash.slice(q + 1)).get('worker')?.trim();
  return { worker: worker ? worker.slice(0, 253) : undefined };
}
