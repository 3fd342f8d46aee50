import { ClusterOutlined, PlusOutlined } from '@ant-design/icons';
import type { FleetHostState } from '@contract/fleet';
import { Tag, Tooltip } from 'antd';
import type { MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useFleetStore } from './fleet-hooks';
import { fleetAddHash, fleetHostHash, type MachineFacts } from './fleet-links';
import { selectFleetIdentity, selectHost } from './fleet-store';
import './machine-link.css';

export interface FleetMachineLinkProps extends MachineFacts {
  /** When the machine is not in Fleet: show "not in Fleet · add" (default: nothing). */
  showUnknown?: boolean;
}

type Tone = 'success' | 'warning' | 'error' | 'default';

/** The colour of a host's state: down or a critical alert red, a warning amber, up green, not probed grey. */
export function hostTone(h: FleetHostState): Tone {
  if (h.heartbeat.status === 'down' || h.alerts.worst === 'critical') return 'error';
  if (h.alerts.worst === 'warning' || h.heartbeat.missed > 0) return 'warning';
  return h.heartbeat.status === 'up' ? 'success' : 'default';
}

/** Links inside clickable rows (the etcd farm table opens an editor on click) do only their own thing. */
const own = (e: MouseEvent) => e.stopPropagation();

/**
 * A machine's one Fleet identity, on any page that shows a machine: "Fleet: rig-07" in the
 * colour of its state, opening its Fleet host details (terminal, charts, alerts, boot steps,
 * domains, jobs). Matched locally against the inventory the fleet store holds (one index per
 * inventory, no call per row). Nothing when unknown, or "not in Fleet · add" with showUnknown.
 */
export function FleetMachineLink({ showUnknown = false, ...facts }: FleetMachineLinkProps) {
  const { t } = useTranslation();
  const loaded = useFleetStore((s) => s.loaded);
  const id = useFleetStore(selectFleetIdentity(facts));
  const h = useFleetStore(selectHost(id ?? null));
  if (!loaded) return null;
  if (!h) {
    if (!showUnknown) return null;
    return (
      <Tooltip title={t('fleet.machineLink.addHelp')}>
        <a href={fleetAddHash(facts)} onClick={own} className="drover-fleet-machine-link drover-fleet-machine-link-none" data-testid="fleet-machine-add">
          <PlusOutlined /> {t('fleet.machineLink.notInFleet')}
        </a>
      </Tooltip>
    );
  }
  const tone = hostTone(h);
  const state = t(`fleet.status.${h.heartbeat.status}`);
  const tip = h.alerts.firing > 0 ? t('fleet.machineLink.tipAlerts', { state, count: h.alerts.firing }) : t('fleet.machineLink.tip', { state });
  return (
    <Tooltip title={tip}>
      <a href={fleetHostHash(h.host.id)} onClick={own} className="drover-fleet-machine-link" data-testid="fleet-machine-link" data-host-id={h.host.id} data-tone={tone}>
        <Tag color={tone} icon={<ClusterOutlined />}>
          {t('fleet.machineLink.label', { name: h.host.name })}
        </Tag>
      </a>
    </Tooltip>
  );
}
