import { StopOutlined } from '@ant-design/icons';
import type { MinerLiveJob } from '@contract/miners';
import { Button, Empty, Flex, Input, Segmented, Select, Tag, Typography } from 'antd';
import { createContext, memo, useContext, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { liveKeys } from '@contract/live';
import { createJobFacets, createJobOrder, keepSame, DEFAULT_JOBS_FILTER, type JobsFilter } from './jobs-view';
import { keepFlash, recentChange, sameJobRow, useMinerView, type MinerViewState } from './miner-view';
import { goDuration, jobElapsedMs, jobStateColor } from './miners-format';
import { countJobRender } from './render-counts';
import { useSecond } from './use-second';
import { VirtualRows } from './virtual-rows';

export const JOB_ROW_HEIGHT = 34;

/** What a job row can do (stable for the table's life, so rows do not re-render for it). */
export interface JobActions {
  abort(key: string, job: MinerLiveJob): void;
}

export const JobActionsContext = createContext<JobActions>({ abort: () => undefined });

const selectActionable = (s: MinerViewState) => s.actionable;
const selectAdmin = (s: MinerViewState) => s.actionable && s.item?.access !== 'read';

/** The running time, ticking once a second from the job's start (the row itself does not re-render for it). */
function Elapsed({ job }: { job: MinerLiveJob }) {
  const now = useSecond();
  // The server clock's offset is measured anew with every frame (it moves by a few ms); to 0.1 s
  // it is as exact as a time shown to the second needs, and the rows do not all re-render per frame.
  const offset = useMinerView((s) => Math.round(s.live.clockOffsetMs / 100) * 100);
  const taken = useMinerView((s) => s.source?.takenAtMs !== undefined);
  const running = job.state === 'running';
  // Not running: the time lotus printed (how long it has waited); running: counted on from its start.
  const ms = running || job.startMs !== undefined ? jobElapsedMs(job, now + offset) : job.runningMs !== undefined && taken ? job.runningMs : undefined;
  return (
    <span className="drover-miners-mono" data-testid="miners-job-time">
      {ms === undefined ? (job.timeText ?? '—') : goDuration(ms)}
    </span>
  );
}

/** One job: re-renders only when that job changed (selected by key, running-time-only changes ignored). */
const JobRow = memo(function JobRow({ jobKey }: { jobKey: string }) {
  const { t } = useTranslation();
  const job = useMinerView((s) => s.jobs[jobKey], jobKey, sameJobRow);
  const flashAt = useMinerView((s) => recentChange(s, 'jobs', jobKey), jobKey, keepFlash);
  const canAct = useMinerView(selectAdmin);
  const actions = useContext(JobActionsContext);
  countJobRender(jobKey);
  if (!job) return null;
  const flash = flashAt !== 0;
  const abortable = job.state === 'running' || job.state === 'assigned' || job.state === 'prepared' || job.state === 'ret-wait';
  return (
    <div
      className={`drover-miners-jobrow${flash ? ' drover-miners-changed' : ''}`}
      key={flashAt}
      data-testid="miners-job-row"
      data-job-key={jobKey}
      data-state={job.state}
      data-task={job.taskShort}
      data-sector={job.sector}
    >
      <span className="drover-miners-mono" title={job.callId ?? job.id}>
        {job.id}
      </span>
      <span className="drover-miners-num">{job.sector}</span>
      <span>
        <Tag className="drover-miners-task">{job.taskShort}</Tag>
      </span>
      <span>
        <Tag color={jobStateColor(job.state)} data-testid="miners-job-state">
          {t(`miners.jobState.${job.state}`, { defaultValue: job.stateText })}
          {job.assignedWindow !== undefined && job.state === 'assigned' ? ` (${job.assignedWindow})` : ''}
        </Tag>
      </span>
      {/* Plain spans and a native title: the row's CSS ellipsizes, and thousands of rows scroll by without a measuring or tooltip component each. */}
      <span className="drover-miners-host" title={job.workerId ?? job.workerShort}>
        {job.hostname || job.workerShort}
      </span>
      <Elapsed job={job} />
      <span>
        {abortable && (
          <Button
            size="small"
            type="text"
            danger
            icon={<StopOutlined />}
            disabled={!canAct}
            title={t('miners.jobs.abort')}
            aria-label={t('miners.jobs.abort')}
            onClick={() => actions.abort(jobKey, job)}
            data-testid="miners-job-abort"
          />
        )}
      </span>
    </div>
  );
});

/** The ids to show, kept identical while they do not change (so the list does not re-render). */
function useJobIds(filter: JobsFilter): readonly string[] {
  const jobs = useMinerView((s) => s.jobs);
  const refMs = useMinerView((s) => s.source?.takenAtMs ?? 0);
  // Kept up to date from the jobs that changed (not a filter and sort of every job per poll).
  const order = useMemo(() => createJobOrder(), []);
  const computed = useMemo(() => order(jobs, filter, refMs), [order, jobs, filter, refMs]);
  // The same array while the ids are the same: the list itself then does not re-render.
  const [kept, setKept] = useState<readonly string[]>(computed);
  const next = keepSame(kept, computed);
  if (next !== kept) setKept(next);
  return next;
}

/** Filter menus (the tasks, states and workers present), search and sort. */
const JobsFilters = memo(function JobsFilters({ filter, onChange }: { filter: JobsFilter; onChange(f: JobsFilter): void }) {
  const { t } = useTranslation();
  // Updated from the changed jobs only; the same object (no re-render) while no entry comes or goes.
  const facetsOf = useMemo(() => createJobFacets(), []);
  const facets = useMinerView((s) => facetsOf(s.jobs));
  return (
    <>
      <Select
        mode="multiple"
        allowClear
        placeholder={t('miners.jobs.task')}
        value={filter.tasks as string[]}
        onChange={(tasks: string[]) => onChange({ ...filter, tasks })}
        options={facets.tasks.map((v) => ({ value: v, label: v }))}
        style={{ minWidth: 140 }}
        maxTagCount="responsive"
        data-testid="miners-jobs-filter-task"
      />
      <Select
        mode="multiple"
        allowClear
        placeholder={t('miners.jobs.state')}
        value={filter.states as string[]}
        onChange={(states: string[]) => onChange({ ...filter, states })}
        options={facets.states.map((v) => ({ value: v, label: t(`miners.jobState.${v}`, { defaultValue: v }) }))}
        style={{ minWidth: 150 }}
        maxTagCount="responsive"
        data-testid="miners-jobs-filter-state"
      />
      <Select
        mode="multiple"
        allowClear
        placeholder={t('miners.jobs.worker')}
        value={filter.workers as string[]}
        onChange={(workers: string[]) => onChange({ ...filter, workers })}
        options={facets.workers.map(([v, label]) => ({ value: v, label }))}
        style={{ minWidth: 180 }}
        maxTagCount="responsive"
        optionFilterProp="label"
        data-testid="miners-jobs-filter-worker"
      />
      <Input.Search
        allowClear
        placeholder={`${t('miners.jobs.search')} (/)`}
        value={filter.text}
        onChange={(e) => onChange({ ...filter, text: e.target.value })}
        style={{ width: 200 }}
        data-testid="miners-jobs-search"
        data-shortcuts="off"
      />
      <Segmented<JobsFilter['sort']>
        value={filter.sort}
        onChange={(sort) => onChange({ ...filter, sort })}
        options={[
          { value: 'time-desc', label: t('miners.jobs.sortLongest') },
          { value: 'time-asc', label: t('miners.jobs.sortShortest') },
          { value: 'sector', label: t('miners.jobs.sortSector') },
        ]}
        data-testid="miners-jobs-sort"
      />
    </>
  );
});

/** The column titles (no props: rendered once). */
const JobsHeader = memo(function JobsHeader() {
  const { t } = useTranslation();
  return (
    <div className="drover-miners-jobrow drover-miners-jobhead" role="row">
      <span>{t('miners.jobs.id')}</span>
      <span>{t('miners.jobs.sector')}</span>
      <span>{t('miners.jobs.task')}</span>
      <span>{t('miners.jobs.state')}</span>
      <span>{t('miners.jobs.worker')}</span>
      <span>{t('miners.jobs.time')}</span>
      <span />
    </div>
  );
});

/**
 * Every sealing job of the miner, virtualized (only the rows in view are in the DOM, thousands
 * scroll smoothly): filter by task, state and worker, sort by running time. A job that changed
 * re-renders its own row and no other.
 */
export const JobsTable = memo(function JobsTable({ height, filter: filterProp, onFilter }: { height: number; filter?: JobsFilter; onFilter?: (f: JobsFilter) => void }) {
  const { t } = useTranslation();
  const [own, setOwn] = useState<JobsFilter>(DEFAULT_JOBS_FILTER);
  const filter = filterProp ?? own;
  const setFilter = onFilter ?? setOwn;
  const ids = useJobIds(filter);
  const total = useMinerView((s) => liveKeys(s.jobs).length);
  const actionable = useMinerView(selectActionable);
  const render = useMemo(() => (key: string) => <JobRow jobKey={key} />, []);
  return (
    <Flex vertical gap={8} className={actionable ? undefined : 'drover-stale'} data-testid="miners-jobs">
      <Flex gap={8} wrap align="center" className="drover-miners-jobs-toolbar">
        <JobsFilters filter={filter} onChange={setFilter} />
        {/* Changes with nearly every poll: outside the memoized menus, which re-render only for a new filter or menu entry. */}
        <Typography.Text type="secondary" data-testid="miners-jobs-count">
          {t('miners.jobs.shown', { shown: ids.length, total })}
        </Typography.Text>
      </Flex>
      <div className="drover-miners-jobtable">
        <JobsHeader />
        {ids.length === 0 ? (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={total === 0 ? t('miners.jobs.none') : t('miners.jobs.noMatch')} />
        ) : (
          <div style={{ height }}>
            <VirtualRows keys={ids} rowHeight={JOB_ROW_HEIGHT} renderRow={render} className="drover-miners-jobbody" testId="miners-job-list" />
          </div>
        )}
      </div>
    </Flex>
  );
});
