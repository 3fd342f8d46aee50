import { AppError } from '@contract/errors';
import type { MinerHistory } from '@contract/miners';
import { Alert, Empty, Flex, Spin, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { TimeChart, type ChartSeries } from '../fleet/history-charts';
import { useMinerView } from './miner-view';
import { useMinersStore } from './miners-hooks';

type Load = { status: 'loading' } | { status: 'ok'; data: MinerHistory } | { status: 'error'; error: AppError };

const TIB = 1024 ** 4;
const STATE_ORDER = ['running', 'prepared', 'assigned', 'ret-wait', 'returned', 'ret-done'];

function round(v: number | null, digits: number): number | null {
  return v === null ? null : Number(v.toFixed(digits));
}

/** The series of a history: jobs per state, power in TiB, balances in FIL, error sectors. */
export function chartSeries(h: MinerHistory, label: (key: string) => string): { jobs: ChartSeries[]; power: ChartSeries[]; balances: ChartSeries[]; errors: ChartSeries[] } {
  const states = Object.keys(h.jobsByState).sort((a, b) => (STATE_ORDER.indexOf(a) + 1 || 99) - (STATE_ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
  return {
    jobs: states.map((s) => ({ label: label(`jobState.${s}`), values: h.jobsByState[s]! })),
    power: [
      { label: label('charts.raw'), values: h.power.rawBytes.map((v) => round(v === null ? null : v / TIB, 2)) },
      { label: label('charts.qa'), values: h.power.qualityAdjustedBytes.map((v) => round(v === null ? null : v / TIB, 2)) },
    ],
    balances: (['miner', 'available', 'worker', 'control'] as const).map((k) => ({ label: label(`charts.balance.${k}`), values: h.balances[k].map((v) => round(v, 3)) })),
    errors: [{ label: label('charts.errorSectors'), values: h.errorSectors }],
  };
}

/** Jobs per state over time, power and balance history of one miner (from the service's in-memory history), refreshed after each poll. */
export function MinerCharts() {
  const { t } = useTranslation();
  const sessionId = useMinerView((s) => s.sessionId);
  const takenAt = useMinerView((s) => s.source?.takenAtMs);
  const history = useMinersStore((s) => s.history);
  const [load, setLoad] = useState<Load>({ status: 'loading' });

  useEffect(() => {
    let alive = true;
    history(sessionId).then(
      (data) => alive && setLoad({ status: 'ok', data }),
      (err: unknown) => alive && setLoad({ status: 'error', error: AppError.from(err) }),
    );
    return () => {
      alive = false;
    };
  }, [history, sessionId, takenAt]);

  if (load.status === 'loading') {
    return (
      <Flex align="center" gap={8} style={{ padding: 16 }}>
        <Spin size="small" /> <Typography.Text type="secondary">{t('miners.charts.loading')}</Typography.Text>
      </Flex>
    );
  }
  if (load.status === 'error') return <Alert type="error" showIcon title={t('miners.charts.failed')} description={<ErrorDetails error={load.error} action="minersHistory" />} />;
  const h = load.data;
  if (h.atMs.length < 2) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('miners.charts.notYet')} data-testid="miners-charts-empty" />;
  const s = chartSeries(h, (k) => t(`miners.${k}` as 'miners.charts.raw', { defaultValue: k.replace(/^jobState\./, '') }));
  const time = t('miners.charts.time');
  return (
    <div className="drover-miners-charts" data-testid="miners-charts">
      <TimeChart title={t('miners.charts.jobs')} unit="" atMs={h.atMs} series={s.jobs} testId="miners-chart-jobs" timeLabel={time} yMin={0} />
      <TimeChart title={t('miners.charts.power')} unit=" TiB" atMs={h.atMs} series={s.power} testId="miners-chart-power" timeLabel={time} />
      <TimeChart title={t('miners.charts.balances')} unit=" FIL" atMs={h.atMs} series={s.balances} testId="miners-chart-balances" timeLabel={time} />
      <TimeChart title={t('miners.charts.errors')} unit="" atMs={h.atMs} series={s.errors} testId="miners-chart-errors" timeLabel={time} yMin={0} />
    </div>
  );
}
