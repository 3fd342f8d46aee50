import { AppError } from '../contract/errors';
import { DisposableBase } from '../contract/lifecycle';
import type { MinerHistory, MinerSessionConfig, MinerSessionItem, MinerSnapshot, MinerTestResult, MinersLiveData, WorkerTasksResult, WorkerTerminal } from '../contract/miners';
import { LivePublisher } from '../live/live-publisher';

/** Placeholder while the service lands: the contract is served, every call says it is not built yet. */
export class MinersService extends DisposableBase {
  readonly live = this.register(new LivePublisher<MinersLiveData>({ initial: { miners: {}, workers: {}, jobs: {}, alerts: {} }, health: { state: 'live' } }));
  private notYet(): never {
    throw new AppError('UNAVAILABLE', 'the miners service is not built yet');
  }
  list(): MinerSessionItem[] {
    return [];
  }
  save(_config: MinerSessionConfig, _tokens: object): Promise<MinerSessionItem> {
    return Promise.resolve(this.notYet());
  }
  remove(_id: string): Promise<void> {
    return Promise.resolve(this.notYet());
  }
  testConnection(_config: MinerSessionConfig, _tokens: object): Promise<MinerTestResult> {
    return Promise.resolve(this.notYet());
  }
  pollNow(_id: string): void {
    this.notYet();
  }
  snapshot(_id: string): MinerSnapshot {
    return this.notYet();
  }
  history(_id: string): MinerHistory {
    return this.notYet();
  }
  abortJob(_id: string, _jobKey: string, _signal: AbortSignal): Promise<void> {
    return Promise.resolve(this.notYet());
  }
  setWorkerTasks(_id: string, _workerId: string, _change: object, _signal: AbortSignal): Promise<WorkerTasksResult> {
    return Promise.resolve(this.notYet());
  }
  workerTerminal(_id: string, _workerId: string): WorkerTerminal {
    return this.notYet();
  }
}
