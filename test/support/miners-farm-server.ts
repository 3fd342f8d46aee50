// `drover serve` with the miners routes served by a synthetic farm (test/support/miners-synthetic-farm.ts):
// one session with N workers and M jobs, moved on every intervalMs. For the Miners UI benchmark
// (2,000 jobs, an update every second) and screenshots. Options as JSON in argv[2]:
// { jobs, workers, intervalMs, changesPerTick }. Prints "Drover web UI: <url>"; stops on SIGTERM.
// Run as: node --import tsx miners-farm-server.ts '<json>' <configDir> <staticDir>
import { createServices } from '../../main/app/create-services';
import type { ContractImpl } from '../../main/contract/define';
import { AppError } from '../../main/contract/errors';
import { minersContract, type MinerHistory, type MinersLiveData } from '../../main/contract/miners';
import { createRouter } from '../../main/contract/rpc-server';
import { startWebHost } from '../../main/host/web-host';
import { LivePublisher } from '../../main/live/live-publisher';
import { createSyntheticFarm } from './miners-synthetic-farm';

const [optsJson = '{}', configDir, staticDir] = process.argv.slice(2);
if (!configDir || !staticDir) {
  console.error('usage: miners-farm-server.ts <options json> <config dir> <static dir>');
  process.exit(2);
}
const opts = JSON.parse(optsJson) as { jobs?: number; workers?: number; intervalMs?: number; changesPerTick?: number };
const intervalMs = opts.intervalMs ?? 1000;

const services = await createServices({ transport: 'web', configDir });
const farm = createSyntheticFarm({ jobs: opts.jobs ?? 2000, workers: opts.workers ?? 40, changesPerTick: opts.changesPerTick ?? 20 });
const live = new LivePublisher<MinersLiveData>({ initial: farm.data(), health: { state: 'live', dataAtMs: Date.now() } });
live.set(farm.data());
const history: MinerHistory = { sessionId: farm.sessionId, intervalMs, atMs: [], jobsByState: {}, power: { rawBytes: [], qualityAdjustedBytes: [] }, balances: { miner: [], available: [], worker: [], control: [] }, errorSectors: [] };
const record = (atMs: number) => {
  const d = farm.data();
  const item = d.miners[farm.sessionId]!;
  history.atMs.push(atMs);
  const states = new Set([...Object.keys(history.jobsByState), ...Object.keys(item.jobsByState)]);
  for (const s of states) (history.jobsByState[s] ??= new Array(history.atMs.length - 1).fill(0)).push(item.jobsByState[s] ?? 0);
  const raw = Number(item.overview?.power.raw?.bytes ?? 0);
  history.power.rawBytes.push(raw + history.atMs.length * 34359738368);
  history.power.qualityAdjustedBytes.push(raw * 1.1 + history.atMs.length * 34359738368);
  history.balances.miner.push(160 + Math.sin(history.atMs.length / 5) * 2);
  history.balances.available.push(12 + Math.cos(history.atMs.length / 7));
  history.balances.worker.push(0.9);
  history.balances.control.push(12.5);
  history.errorSectors.push(Math.floor(history.atMs.length / 10));
};
record(Date.now());
const timer = setInterval(() => {
  const now = Date.now();
  farm.tick(now);
  live.set(farm.data());
  live.setHealth({ state: 'live', dataAtMs: now });
  record(now);
}, intervalMs);

const impl: ContractImpl<typeof minersContract> = {
  list: () => [],
  save: () => Promise.reject(new AppError('UNAVAILABLE', 'synthetic farm: read only')),
  remove: () => Promise.reject(new AppError('UNAVAILABLE', 'synthetic farm: read only')),
  testConnection: () => Promise.reject(new AppError('UNAVAILABLE', 'synthetic farm: read only')),
  pollNow: () => null,
  snapshot: () => Promise.reject(new AppError('NOT_FOUND', 'synthetic farm')),
  live: (_input, sink) => live.subscribe(sink),
  history: () => history,
  abortJob: () => Promise.reject(new AppError('UNAVAILABLE', 'synthetic farm: read only')),
  setWorkerTasks: () => Promise.reject(new AppError('UNAVAILABLE', 'synthetic farm: read only')),
  workerTerminal: () => Promise.reject(new AppError('NOT_FOUND', 'synthetic farm')),
  dismissAlert: () => null,
};
for (const [name, route] of createRouter({ miners: minersContract }, { miners: impl })) services.routes.set(name, route);
const host = await startWebHost({ routes: services.routes, port: 0, staticDir, log: (line) => console.error(line) });
console.log(`Drover web UI: ${host.url}`);

const stop = async () => {
  clearInterval(timer);
  live.dispose();
  await host.close();
  services.dispose();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
