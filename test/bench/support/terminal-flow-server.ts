// For the terminal benchmark's --flow option: `drover serve` as the CLI runs it, except that the
// terminal routes are served by a TerminalManager with the flow-control settings given as JSON in
// argv[2] (merged over DEFAULT_FLOW). Prints the same "Drover web UI: <url>" line; stops on SIGTERM.
// Run as: node <TRAFFIC_V8_FLAGS> --import tsx terminal-flow-server.ts '<json>' <configDir> <staticDir>
import { createServices } from '../../../main/app/create-services';
import { createRouter } from '../../../main/contract/rpc-server';
import { terminalContract } from '../../../main/contract/terminal';
import { startWebHost } from '../../../main/host/web-host';
import { TerminalManager } from '../../../main/terminal/terminal-manager';
import { terminalImpl } from '../../../main/terminal/terminal-service';
import { DEFAULT_FLOW, type FlowControl } from '../../../main/terminal/terminal-session';

const [flowJson = '{}', configDir, staticDir] = process.argv.slice(2);
if (!configDir || !staticDir) {
  console.error('usage: terminal-flow-server.ts <flow json> <config dir> <static dir>');
  process.exit(2);
}
const flow: FlowControl = { ...DEFAULT_FLOW, ...(JSON.parse(flowJson) as Partial<FlowControl>) };

const services = await createServices({ transport: 'web', configDir });
const terminals = new TerminalManager({ pool: services.sshPool, flow });
const impl = terminalImpl(terminals);
if (process.env.DROVER_BENCH_TRACE) {
  // Diagnostics: when input arrives and output leaves (epoch ms, comparable with a page's), on stderr.
  const stamp = () => (performance.timeOrigin + performance.now()).toFixed(2);
  const input = impl.input;
  const output = impl.output;
  Object.assign(impl, {
    input: (p: Parameters<typeof input>[0], ctx: Parameters<typeof input>[1]) => {
      console.error(`trace in ${stamp()} ${JSON.stringify(p.data).slice(0, 20)}`);
      return input(p, ctx);
    },
    output: (p: Parameters<typeof output>[0], sink: Parameters<typeof output>[1], ctx: Parameters<typeof output>[2]) =>
      output(
        p,
        {
          ...sink,
          signal: sink.signal,
          end: (e?: unknown) => sink.end(e),
          next: (e) => {
            if (e.kind === 'data' && e.data.length < 64) console.error(`trace out ${stamp()} ${JSON.stringify(e.data).slice(0, 20)}`);
            sink.next(e);
          },
        },
        ctx,
      ),
  });
}
for (const [name, route] of createRouter({ terminal: terminalContract }, { terminal: impl })) services.routes.set(name, route);
const host = await startWebHost({ routes: services.routes, port: 0, staticDir, log: (line) => console.error(line) });
console.log(`Drover web UI: ${host.url}`);
console.error(`flow control: ${JSON.stringify(flow)}`);

const stop = async () => {
  await host.close();
  terminals.dispose();
  services.dispose();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
