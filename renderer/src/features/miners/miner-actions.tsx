import type { MinerLiveJob, MinerLiveWorker } from '@contract/miners';
import { Alert, App, Checkbox, Flex, Modal, Switch, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { useFeatureStore } from '../../stores/stores';
import { terminalStoreKey } from '../terminal/terminal-hooks';
import type { AppError } from '@contract/errors';
import type { JobActions } from './jobs-table';
import { minersStoreKey } from './miners-hooks';
import { SETTABLE_TASKS, shortRef, taskShort } from './miners-format';
import type { WorkerActions } from './workers-table';

/** How the page names a miner in a question: its actor id with the session's name ("f01234 (farm A)"). */
export function minerLabel(minerId: string | undefined, name: string): string {
  return minerId ? `${minerId} (${name})` : name;
}

export interface TasksDialogTarget {
  readonly sessionId: string;
  readonly workerKey: string;
  readonly worker: MinerLiveWorker;
  readonly miner: string;
}

/**
 * The miner panel's actions, each naming its target and asking first: abort a job, open a
 * terminal on a worker's host (the Terminal page), and the task-types dialog's target.
 */
export function useMinerActions(sessionId: string, miner: string, onTasks: (t: TasksDialogTarget) => void): { jobs: JobActions; workers: WorkerActions } {
  const { t } = useTranslation();
  const { modal, message } = App.useApp();
  const store = useFeatureStore(minersStoreKey);
  const terminal = useFeatureStore(terminalStoreKey);
  return useMemo(
    () => ({
      jobs: {
        abort(key: string, job: MinerLiveJob) {
          const jobKey = key.slice(sessionId.length + 1);
          modal.confirm({
            title: t('miners.confirmAbort.title', { job: shortRef(job.callId ?? job.id), task: job.taskShort, sector: job.sector, miner }),
            content: (
              <div data-testid="miners-confirm-abort">
                {t('miners.confirmAbort.body', { host: job.hostname || job.workerShort, state: job.stateText })}
              </div>
            ),
            okText: t('miners.confirmAbort.ok'),
            okButtonProps: { danger: true, ...({ 'data-testid': 'miners-confirm-abort-ok' } as Record<string, string>) },
            cancelText: t('miners.common.cancel'),
            onOk: async () => {
              if (await store.getState().abortJob(sessionId, jobKey)) void message.success(t('miners.confirmAbort.done', { job: shortRef(job.callId ?? job.id) }));
            },
          });
        },
      },
      workers: {
        tasks(key: string, w: MinerLiveWorker) {
          onTasks({ sessionId, workerKey: key, worker: w, miner });
        },
        terminal(key: string, w: MinerLiveWorker) {
          const workerId = key.slice(sessionId.length + 1);
          void store
            .getState()
            .workerTerminal(sessionId, workerId)
            .then((where) => {
              if (!where) return;
              terminal.getState().openTerminal({ kind: 'ssh', target: where.target.target, jumps: where.target.jumps });
              void message.info(t('miners.workers.terminalOpened', { host: w.hostname, label: where.label }));
            });
        },
      },
    }),
    [sessionId, miner, onTasks, modal, message, store, terminal, t],
  );
}

/** Turning a worker's task types on and off (and whether it takes new work), through its own lotus-worker API. */
export function WorkerTasksDialog({ target, onClose }: { target: TasksDialogTarget | null; onClose(): void }) {
  return target ? <WorkerTasksBody key={target.workerKey} target={target} onClose={onClose} /> : null;
}

function WorkerTasksBody({ target, onClose }: { target: TasksDialogTarget; onClose(): void }) {
  const { t } = useTranslation();
  const store = useFeatureStore(minersStoreKey);
  const w = target.worker;
  const current = useMemo(() => new Set(w.tasks ?? []), [w.tasks]);
  const options = useMemo(() => [...new Set([...SETTABLE_TASKS, ...(w.tasks ?? [])])], [w.tasks]);
  const [checked, setChecked] = useState<Set<string>>(() => new Set(current));
  const [enabled, setEnabled] = useState(w.enabled !== false);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const enable = options.filter((x) => checked.has(x) && !current.has(x) && SETTABLE_TASKS.includes(x));
  const disable = options.filter((x) => !checked.has(x) && current.has(x) && SETTABLE_TASKS.includes(x));
  const enabledChanged = enabled !== (w.enabled !== false);
  const nothing = enable.length === 0 && disable.length === 0 && !enabledChanged;
  const apply = async () => {
    setBusy(true);
    setError(null);
    const r = await store.getState().setWorkerTasks(target.sessionId, target.workerKey.slice(target.sessionId.length + 1), { enable, disable, ...(enabledChanged ? { enabled } : {}) });
    setBusy(false);
    if (r.ok) onClose();
    else setError(r.error);
  };
  return (
    <Modal
      open
      onCancel={onClose}
      onOk={() => void apply()}
      okText={t('miners.tasks.apply')}
      cancelText={t('miners.common.cancel')}
      okButtonProps={{ disabled: nothing, loading: busy, danger: disable.length > 0 || (enabledChanged && !enabled), ...({ 'data-testid': 'miners-tasks-ok' } as Record<string, string>) }}
      title={t('miners.tasks.title', { host: w.hostname, miner: target.miner })}
    >
      <Flex vertical gap={10} data-testid="miners-tasks-dialog">
        <Typography.Text type="secondary">{t('miners.tasks.intro')}</Typography.Text>
        <Flex align="center" gap={8}>
          <Switch checked={enabled} onChange={setEnabled} data-testid="miners-tasks-enabled" />
          <Typography.Text>{t('miners.tasks.takesWork')}</Typography.Text>
        </Flex>
        <Flex wrap gap={8}>
          {options.map((task) => (
            <Checkbox
              key={task}
              checked={checked.has(task)}
              disabled={!SETTABLE_TASKS.includes(task)}
              onChange={(e) =>
                setChecked((prev) => {
                  const next = new Set(prev);
                  if (e.target.checked) next.add(task);
                  else next.delete(task);
                  return next;
                })
              }
              data-testid="miners-tasks-check"
              data-task={task}
            >
              <span title={task}>{taskShort(task)}</span>
            </Checkbox>
          ))}
        </Flex>
        {!nothing && (
          <Typography.Text data-testid="miners-tasks-summary">
            {[
              enable.length > 0 ? t('miners.tasks.willEnable', { tasks: enable.map(taskShort).join(', ') }) : '',
              disable.length > 0 ? t('miners.tasks.willDisable', { tasks: disable.map(taskShort).join(', ') }) : '',
              enabledChanged ? (enabled ? t('miners.tasks.willResume') : t('miners.tasks.willStop')) : '',
            ]
              .filter(Boolean)
              .join(' ')}
          </Typography.Text>
        )}
        {error && <Alert type="error" showIcon title={t('miners.tasks.failed')} description={<ErrorDetails error={error} action="minersWorkerTasks" />} />}
      </Flex>
    </Modal>
  );
}
