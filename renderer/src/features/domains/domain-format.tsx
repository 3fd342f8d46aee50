import { CheckCircleFilled, CloseCircleFilled, ExclamationCircleFilled, MinusCircleOutlined, PauseCircleFilled, PoweroffOutlined, QuestionCircleOutlined, SyncOutlined } from '@ant-design/icons';
import type { DomainRow, DomainStateName } from '@contract/domains';
import { Tag, Tooltip } from 'antd';
import type { TFunction } from 'i18next';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes } from '../../components/format';
import { domainsEn } from './i18n.en';

type TagColor = 'success' | 'processing' | 'warning' | 'error' | 'default';

type StateKey = keyof (typeof domainsEn)['domains']['state'];
type ReasonKey = keyof (typeof domainsEn)['domains']['reason'];

/** The i18n key of a state name (virsh's names have spaces). */
export const STATE_KEY: Record<DomainStateName, StateKey> = {
  'no state': 'nostate',
  running: 'running',
  idle: 'idle',
  paused: 'paused',
  'in shutdown': 'inShutdown',
  'shut off': 'shutOff',
  crashed: 'crashed',
  pmsuspended: 'pmsuspended',
};

const LOOK: Record<DomainStateName, { color: TagColor; icon: ReactNode }> = {
  'no state': { color: 'default', icon: <QuestionCircleOutlined /> },
  running: { color: 'success', icon: <CheckCircleFilled /> },
  idle: { color: 'success', icon: <MinusCircleOutlined /> },
  paused: { color: 'warning', icon: <PauseCircleFilled /> },
  'in shutdown': { color: 'processing', icon: <SyncOutlined spin /> },
  'shut off': { color: 'default', icon: <PoweroffOutlined /> },
  crashed: { color: 'error', icon: <CloseCircleFilled /> },
  pmsuspended: { color: 'warning', icon: <ExclamationCircleFilled /> },
};

/** The reasons virsh prints, as i18n keys (letters only). */
export function reasonKey(reason: string): string {
  return reason.replace(/[^A-Za-z]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''));
}

export function stateText(t: TFunction, state: DomainStateName): string {
  return t(`domains.state.${STATE_KEY[state]}`);
}

/** virsh's reason in the UI language; a reason this version does not know stays as virsh said it. */
export function reasonText(t: TFunction, reason: string): string {
  const k = reasonKey(reason);
  return Object.prototype.hasOwnProperty.call(domainsEn.domains.reason, k) ? t(`domains.reason.${k as ReasonKey}`) : reason;
}

/** The state with its reason ("paused · user"), colored; the raw virsh words in the tooltip. */
export function DomainStateTag({ row }: { row: Pick<DomainRow, 'state' | 'reason' | 'managedSave'> }) {
  const { t } = useTranslation();
  const look = LOOK[row.state];
  const saved = row.state === 'shut off' && row.managedSave === true;
  const reason = row.reason && row.reason !== 'unknown' ? reasonText(t, row.reason) : null;
  return (
    <Tooltip title={`virsh: ${row.state}${row.reason ? ` (${row.reason})` : ''}${saved ? ` · ${t('domains.table.managedSaveHelp')}` : ''}`}>
      <Tag color={look.color} icon={look.icon} className="drover-domain-state" data-testid="domain-state" data-state={row.state}>
        {stateText(t, row.state)}
        {reason && <span className="drover-domain-reason"> · {reason}</span>}
        {saved && <span className="drover-domain-reason"> · {t('domains.table.saved')}</span>}
      </Tag>
    </Tooltip>
  );
}

/** KiB as the page shows memory. */
export function formatKiB(kib: number | null, locale?: string): string {
  return kib === null ? '—' : formatBytes(kib * 1024, locale);
}

export function formatPercent(p: number | null): string {
  return p === null ? '—' : `${p.toFixed(p < 10 ? 1 : 0)} %`;
}
