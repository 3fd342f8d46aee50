// Diagnostics for the terminal data path without a browser: connects to a running web host (the
// URL it printed, argv[2]), opens a local terminal in argv[3], runs `cat data.txt` argv[4] times and
// prints MB/s of each run (a Node client acknowledging every frame on arrival, like the bench's
// transport variant). Used with a server started under --cpu-prof to see where its time goes.
import { performance } from 'node:perf_hooks';
import { connectWebHost } from '../../../main/host/ws-client';

const [url, cwd, runsArg = '3'] = process.argv.slice(2);
if (!url || !cwd) {
  console.error('usage: terminal-transport-probe.ts <url> <cwd with data.txt> [runs]');
  process.exit(2);
}
const client = await connectWebHost(url, { timeoutMs: 30_000 });
const { id } = await client.api.terminal.open({ target: { kind: 'local', cwd }, cols: 160, rows: 48 });
let tail = '';
let chars = 0;
let waiter: { re: RegExp; resolve: () => void } | undefined;
const sub = client.api.terminal.output(
  { id },
  {
    next: (e) => {
      if (e.kind !== 'data') return;
      client.api.terminal.ack({ id, chars: e.data.length });
      chars += e.data.length;
      tail = (tail + e.data).slice(-200);
      if (waiter && waiter.re.test(tail)) {
        const w = waiter;
        waiter = undefined;
        w.resolve();
      }
    },
  },
);
const until = (re: RegExp) => new Promise<void>((resolve) => (waiter = { re, resolve }));
await until(/[#$] $/);
for (let i = 0; i < Number(runsArg); i++) {
  const mark = `END${1000 + i}-mark`;
  chars = 0;
  const t0 = performance.now();
  const done = until(new RegExp(mark));
  client.api.terminal.input({ id, data: `cat data.txt; echo END$((${999 + i}+1))-mark\r` });
  await done;
  const s = (performance.now() - t0) / 1000;
  console.log(`run ${i + 1}: ${(20 / s).toFixed(1)} MB/s (if 20 MB), ${chars} chars, ${s.toFixed(2)} s`);
}
sub.dispose();
await client.api.terminal.close({ id });
client.dispose();
process.exit(0);
