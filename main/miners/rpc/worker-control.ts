import { AppError } from '../../contract/errors';
import { WORKER_SETTABLE_TASKS, taskFullName } from '../../contract/miner-task-types';
import { obj } from './json-read';
import type { RpcCallOptions, RpcCaller } from './lotus-rpc-client';

/**
 * Turning a worker's task types on and off. lotus has this only on the **worker's own API**
 * (lotus-worker, default :3456, /rpc/v0, admin; lotus-worker checks tokens with the miner's
 * AuthVerify, so the miner's admin token works): TaskEnable / TaskDisable for the types in
 * WORKER_SETTABLE_TASKS, SetEnabled to stop or resume taking new work, TaskTypes and Enabled to
 * read them. The miner API has no method for it; the miner's WorkerStats shows the result (its
 * Tasks come from the worker's TaskTypes on every call, Enabled follows within a heartbeat).
 */
export function workerApiUrlFromStorageUrl(storageUrl: string): string | undefined {
  try {
    const u = new URL(storageUrl);
    if (!/^https?:$/.test(u.protocol) || !/\/remote\/?$/.test(u.pathname)) return undefined;
    return `${u.protocol}//${u.host}/rpc/v0`;
  } catch {
    return undefined;
  }
}

function fullTask(task: string): string {
  const full = task.includes('/') ? task : taskFullName(task);
  if (!full || !WORKER_SETTABLE_TASKS.includes(full)) {
    throw new AppError('INVALID_INPUT', `lotus-worker cannot enable or disable "${task.slice(0, 64)}"`, { hint: `Settable: ${WORKER_SETTABLE_TASKS.join(', ')}.` });
  }
  return full;
}

/** Filecoin.TaskEnable / TaskDisable on a worker API ("PC1" or "seal/v0/precommit/1"). */
export async function setWorkerTask(worker: RpcCaller, task: string, enabled: boolean, opts: RpcCallOptions = {}): Promise<void> {
  await worker.call(enabled ? 'TaskEnable' : 'TaskDisable', [fullTask(task)], opts);
}

/** Filecoin.SetEnabled on a worker API: false = take no new tasks (running ones finish). */
export async function setWorkerEnabled(worker: RpcCaller, enabled: boolean, opts: RpcCallOptions = {}): Promise<void> {
  await worker.call('SetEnabled', [enabled], opts);
}

/** Filecoin.TaskTypes on a worker API: the task types it accepts now. */
export async function workerTaskTypes(worker: RpcCaller, opts: RpcCallOptions = {}): Promise<string[]> {
  const v = await worker.call('TaskTypes', [], opts);
  return Object.keys(obj(v) ?? {}).sort();
}
