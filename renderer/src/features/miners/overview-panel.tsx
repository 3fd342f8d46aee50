import type { MinerOverview } from '@contract/miners';
import { Card, Empty, Flex, Tag, Tooltip, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { FlashValue } from './flash-value';
import { useMinerView } from './miner-view';
import { DASH, fil, size } from './miners-format';

function Row({ label, value, tip, testId, tone }: { label: string; value: string | number | undefined; tip?: ReactNode; testId?: string; tone?: 'error' | 'warning' | undefined }) {
  const v = (
    <span className={`drover-miners-kv-value${tone ? ` drover-miners-tone-${tone}` : ''}`}>
      <FlashValue value={value ?? DASH} testId={testId} />
    </span>
  );
  return (
    <div className="drover-miners-kv">
      <Typography.Text type="secondary">{label}</Typography.Text>
      {tip ? <Tooltip title={tip}>{v}</Tooltip> : v}
    </div>
  );
}

function Balances({ o }: { o: MinerOverview }) {
  const { t } = useTranslation();
  const b = o.balances;
  return (
    <Card size="small" title={t('miners.overview.balances')} className="drover-miners-card" data-testid="miners-balances">
      <Row label={t('miners.overview.minerBalance')} value={fil(b.miner)} testId="miners-balance-miner" />
      <Row label={t('miners.overview.available')} value={fil(b.available)} testId="miners-balance-available" />
      <Row label={t('miners.overview.precommit')} value={fil(b.precommitDeposits)} />
      <Row label={t('miners.overview.pledge')} value={fil(b.initialPledge)} />
      <Row label={t('miners.overview.vesting')} value={fil(b.vesting)} />
      {b.feeDebt && b.feeDebt.text !== '0' && <Row label={t('miners.overview.feeDebt')} value={fil(b.feeDebt)} tone="error" />}
      {b.market && <Row label={t('miners.overview.market')} value={`${fil(b.market.escrow)} / ${fil(b.market.locked)}`} tip={t('miners.overview.marketTip')} />}
      <Row label={t('miners.overview.worker')} value={fil(b.worker?.balance)} tip={b.worker?.address} testId="miners-balance-worker" />
      <Row label={t('miners.overview.control')} value={fil(b.controlTotal)} tip={b.control?.map((c) => `${c.address ?? '?'}: ${fil(c.balance)}`).join('\n')} />
      {b.owner && <Row label={t('miners.overview.owner')} value={fil(b.owner.balance)} tip={b.owner.address} />}
      <Row label={t('miners.overview.spendable')} value={fil(b.totalSpendable)} />
    </Card>
  );
}

function Power({ o }: { o: MinerOverview }) {
  const { t } = useTranslation();
  const p = o.power;
  return (
    <Card size="small" title={t('miners.overview.power')} className="drover-miners-card" data-testid="miners-power">
      <Row label={t('miners.overview.raw')} value={size(p.raw)} tip={p.rawPercentText ? t('miners.overview.share', { pct: p.rawPercentText, net: size(p.networkRaw) }) : undefined} testId="miners-power-raw" />
      <Row
        label={t('miners.overview.qa')}
        value={size(p.qualityAdjusted)}
        tip={p.qualityAdjustedPercentText ? t('miners.overview.share', { pct: p.qualityAdjustedPercentText, net: size(p.networkQualityAdjusted) }) : undefined}
        testId="miners-power-qa"
      />
      <Row label={t('miners.overview.effective')} value={size(p.effective)} tone={p.hasMinPower === false ? 'warning' : undefined} tip={p.hasMinPower === false ? t('miners.overview.noMinPower') : undefined} testId="miners-power-effective" />
      <Row label={t('miners.overview.committed')} value={size(p.committed)} />
      <Row label={t('miners.overview.proving')} value={size(p.proving)} />
      {p.faulty && p.faulty.text !== '0 B' && p.faulty.text !== '0' && <Row label={t('miners.overview.faulty')} value={size(p.faulty)} tone="error" />}
      {o.blocks?.winRateText && <Row label={t('miners.overview.winRate')} value={o.blocks.winRateText} />}
      {o.messages.pending !== undefined && <Row label={t('miners.overview.pendingMessages')} value={o.messages.pending} />}
    </Card>
  );
}

const STAGES = ['addPiece', 'pc1', 'pc2', 'precommitWaiting', 'waitSeed', 'committing', 'commitWaiting', 'finalizing'] as const;

function Sectors({ o }: { o: MinerOverview }) {
  const { t } = useTranslation();
  const s = o.sectors;
  const states = Object.entries(s.states).sort((a, b) => b[1] - a[1]);
  const bad = s.failed + s.faultStates;
  return (
    <Card size="small" title={t('miners.overview.sectors')} className="drover-miners-card" data-testid="miners-sectors">
      <Row label={t('miners.overview.total')} value={s.total} testId="miners-sectors-total" />
      <Row label={t('miners.overview.provingSectors')} value={s.proving} />
      <Row label={t('miners.overview.faultySectors')} value={s.faulty ?? s.faultStates} tone={(s.faulty ?? s.faultStates) > 0 ? 'error' : undefined} />
      <Row label={t('miners.overview.recovering')} value={s.recovering} tone={(s.recovering ?? 0) > 0 ? 'warning' : undefined} />
      <Row label={t('miners.overview.failed')} value={s.failed} tone={bad > 0 ? 'error' : undefined} testId="miners-sectors-failed" />
      <Row label={t('miners.overview.removed')} value={`${s.removed} / ${s.terminated}`} tip={t('miners.overview.removedTip')} />
      <Typography.Text type="secondary" className="drover-miners-subhead">
        {t('miners.overview.sealing', { count: s.sealing.inProgress })}
      </Typography.Text>
      <div className="drover-miners-stages" data-testid="miners-stages">
        {STAGES.map((k) => (
          <div key={k} className={`drover-miners-stage${s.sealing[k] > 0 ? ' drover-miners-stage-on' : ''}`} data-stage={k}>
            <span className="drover-miners-stage-n">
              <FlashValue value={s.sealing[k]} />
            </span>
            <span className="drover-miners-stage-label">{t(`miners.stage.${k}`)}</span>
          </div>
        ))}
      </div>
      <Flex gap={4} wrap className="drover-miners-states" data-testid="miners-sector-states">
        {states.map(([state, n]) => (
          <Tag key={state} color={/Failed$|Fault/.test(state) ? 'error' : state === 'Proving' || state === 'Available' ? 'success' : undefined}>
            {state} <FlashValue value={n} />
          </Tag>
        ))}
      </Flex>
    </Card>
  );
}

/** The miner at a glance: balances as lotus prints them, power (raw, QA, effective), sectors by state and by sealing stage. A value that changes lights up for a moment. */
export function OverviewPanel() {
  const { t } = useTranslation();
  const o = useMinerView((s) => s.overview);
  const actionable = useMinerView((s) => s.actionable);
  if (!o) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('miners.overview.notYet')} data-testid="miners-overview-empty" />;
  return (
    <div className={`drover-miners-overview${actionable ? '' : ' drover-stale'}`} data-testid="miners-overview">
      <Balances o={o} />
      <Power o={o} />
      <Sectors o={o} />
    </div>
  );
}
