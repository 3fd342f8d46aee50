import { AppError } from '@contract/errors';
import type { HostHistory } from '@contract/fleet';
import { Alert, Empty, Flex, Spin, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot, { type AlignedData, type Options } from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ErrorDetails } from '../../components/error-details';
import { formatDuration } from '../../components/format';
import { useFleetStore } from './fleet-hooks';
import { selectMetrics } from './fleet-store';

/** Series colors that read on light and dark backgrounds. */
const PALETTE = ['#1677ff', '#fa541c', '#52c41a', '#eb2f96', '#faad14', '#13c2c2', '#722ed1', '#a0d911', '#2f54eb', '#f5222d'];

export interface ChartSeries {
  label: string;
  values: readonly (number | null)[];
}

function cssVar(el: Element, name: string, fallback: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
}

/**
 * One uPlot line chart (time on x): small and fast, redrawn in place when the data changes and
 * resized with its container. Colors follow the theme through the page's CSS variables.
 */
export function TimeChart({ title, unit, atMs, series, testId, timeLabel, height = 160, yMin }: { title: string; unit: string; atMs: readonly number[]; series: readonly ChartSeries[]; testId: string; timeLabel: string; height?: number; yMin?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('\u0000');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const text = cssVar(el, '--drover-text-secondary', '#888');
    const grid = cssVar(el, '--drover-border-secondary', 'rgba(128,128,128,0.2)');
    const opts: Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: yMin === undefined ? {} : { range: (_u, _min, max) => [yMin, Math.max(max, yMin + 1)] } },
      axes: [
        {
          stroke: text,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid },
          // 24-hour times in the page's language (uPlot's own labels are en-US with am/pm).
          values: (_u, ticks, _axis, _space, incr) =>
            ticks.map((sec) =>
              new Date(sec * 1000).toLocaleTimeString(document.documentElement.lang || undefined, { hour: '2-digit', minute: '2-digit', ...(incr < 60 ? { second: '2-digit' } : {}), hour12: false }),
            ),
        },
        { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, size: 48, values: (_u, vals) => vals.map((v) => `${v}${unit}`) },
      ],
      series: [{ label: timeLabel, value: (_u: uPlot, v: number | null) => (v === null ? '—' : new Date(v * 1000).toLocaleTimeString(document.documentElement.lang || undefined, { hour12: false })) }, ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: false, points: { show: false }, value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${v}${unit}`) }))],
    };
    const u = new uPlot(opts, toData(atMs, series), el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // A new set of series builds a new chart; new values only redraw (below).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, height, unit, yMin, timeLabel]);

  useEffect(() => {
    plot.current?.setData(toData(atMs, series));
  }, [atMs, series]);

  return (
    <div className="drover-fleet-chart" data-testid={testId} data-points={atMs.length} data-series={series.length}>
      <Typography.Text strong className="drover-fleet-chart-title">
        {title}
      </Typography.Text>
      <div ref={box} />
    </div>
  );
}

function toData(atMs: readonly number[], series: readonly ChartSeries[]): AlignedData {
  return [atMs.map((t) => t / 1000), ...series.map((s) => s.values as (number | null)[])] as AlignedData;
}

type Load = { status: 'loading' } | { status: 'ok'; data: HostHistory } | { status: 'error'; error: AppError };

/** A host's temperature, load and use over the last hours (from the service's in-memory history), refreshed after each probe. */
export function HistoryCharts({ hostId }: { hostId: string }) {
  const { t } = useTranslation();
  const history = useFleetStore((s) => s.history);
  const probedAt = useFleetStore((s) => selectMetrics(hostId)(s)?.atMs);
  const [load, setLoad] = useState<Load>({ status: 'loading' });

  useEffect(() => {
    let alive = true;
    history(hostId).then(
      (data) => alive && setLoad({ status: 'ok', data }),
      (err: unknown) => alive && setLoad({ status: 'error', error: AppError.from(err) }),
    );
    return () => {
      alive = false;
    };
  }, [history, hostId, probedAt]);

  if (load.status === 'loading') {
    return (
      <Flex align="center" gap={8} style={{ padding: 16 }}>
        <Spin size="small" /> <Typography.Text type="secondary">{t('fleet.charts.loading')}</Typography.Text>
      </Flex>
    );
  }
  if (load.status === 'error') return <Alert type="error" showIcon title={t('fleet.charts.failed')} description={<ErrorDetails error={load.error} action="fleetHistory" />} />;
  const h = load.data;
  if (h.atMs.length < 2) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('fleet.charts.notYet')} data-testid="fleet-charts-empty" />;
  const temps: ChartSeries[] = [{ label: t('fleet.charts.cpuTemp'), values: h.series.cpuTempC }];
  if (h.gpus.length > 0) for (const g of h.gpus) temps.push({ label: g.label, values: g.tempC });
  const use: ChartSeries[] = [
    { label: t('fleet.charts.cpuUse'), values: h.series.cpuUsePercent },
    { label: t('fleet.charts.memUse'), values: h.series.memUsePercent },
  ];
  if (h.gpus.length > 0) for (const g of h.gpus) use.push({ label: g.label, values: g.utilPercent });
  return (
    <div className="drover-fleet-charts" data-testid="fleet-charts">
      <Typography.Text type="secondary">{t('fleet.charts.span', { count: h.atMs.length, duration: formatDuration(h.atMs[h.atMs.length - 1]! - h.atMs[0]!, t) })}</Typography.Text>
      {temps.some((x) => x.values.some((v) => v !== null)) ? (
        <TimeChart title={t('fleet.charts.temperature')} unit="°" atMs={h.atMs} series={temps} testId="fleet-chart-temperature" timeLabel={t('fleet.charts.time')} />
      ) : (
        <div className="drover-fleet-chart-none" data-testid="fleet-chart-temperature-none">
          <Typography.Text strong>{t('fleet.charts.temperature')}</Typography.Text> <Typography.Text type="secondary">{t('fleet.charts.noSensors')}</Typography.Text>
        </div>
      )}
      <TimeChart title={t('fleet.charts.load')} unit="" atMs={h.atMs} series={[{ label: t('fleet.charts.load1'), values: h.series.load1 }]} testId="fleet-chart-load" timeLabel={t('fleet.charts.time')} yMin={0} />
      <TimeChart title={t('fleet.charts.use')} unit="%" atMs={h.atMs} series={use} testId="fleet-chart-use" timeLabel={t('fleet.charts.time')} yMin={0} />
    </div>
  );
}
