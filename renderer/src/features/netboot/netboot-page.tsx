import { Alert, Card, Skeleton, Tabs, Typography, type InputRef } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { ConfigEditor } from './config-editor';
import { DnsmasqPanel } from './dnsmasq-panel';
import { NetbootHeader, useToggleResponder } from './netboot-header';
import { useNetbootStore } from './netboot-hooks';
import { SubnetTable } from './subnet-table';
import { parseNetbootHash } from './netboot-links';
import { TimelineTable, type TimelineFocus } from './timeline-table';
import './netboot.css';

type TabKey = 'timeline' | 'subnets' | 'config' | 'dnsmasq';

const NON_TEXT_INPUTS = new Set(['radio', 'checkbox', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image']);

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return false;
  if (target.closest('[data-shortcuts="off"]')) return true;
  return (
    (target instanceof HTMLInputElement && !NON_TEXT_INPUTS.has(target.type)) ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    (target instanceof HTMLElement && target.isContentEditable)
  );
}

/** A dialog, drawer or confirmation is up (ours, the shortcut help, the host key question). */
function overlayOpen(): boolean {
  const shown = (el: Element) => el.getClientRects().length > 0;
  return [...document.querySelectorAll('.ant-modal-wrap, .ant-drawer-open')].some(shown);
}

const TAB_KEYS: Record<string, TabKey> = { t: 'timeline', u: 'subnets', c: 'config', d: 'dnsmasq' };

/** Netboot: the responder's status and start/stop, the live boot timeline, subnet counts, the config editor and the dnsmasq companion. */
export function NetbootPage() {
  const { t } = useTranslation();
  const loaded = useNetbootStore((s) => s.loaded);
  const streamError = useNetbootStore((s) => s.streamError);
  const toggle = useToggleResponder();
  const [tab, setTab] = useState<TabKey>('timeline');
  // #/netboot?machine=<key> (from Fleet's host details): the timeline on that machine.
  const [focus, setFocus] = useState<TimelineFocus | undefined>(() => {
    const { machine } = parseNetbootHash(window.location.hash);
    return machine ? { key: machine, seq: 0 } : undefined;
  });
  useEffect(() => {
    const onHash = () => {
      const { machine } = parseNetbootHash(window.location.hash);
      if (!machine) return;
      setTab('timeline');
      setFocus((f) => ({ key: machine, seq: (f?.seq ?? 0) + 1 }));
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const timelineSearch = useRef<InputRef>(null);
  const subnetSearch = useRef<InputRef>(null);
  const saveRef = useRef<(() => void) | null>(null);

  // Page keys, through a ref so the listener is bound once.
  const keys = useRef({ tab, toggle });
  useEffect(() => {
    keys.current = { tab, toggle };
  });
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.isComposing || e.defaultPrevented || e.altKey || e.metaKey) return;
      const k = keys.current;
      // Ctrl+S saves the config, also while typing in it.
      if (e.ctrlKey && !e.shiftKey && e.key.toLowerCase() === 's') {
        if (k.tab !== 'config' || overlayOpen()) return;
        e.preventDefault();
        saveRef.current?.();
        return;
      }
      if (e.ctrlKey || e.repeat || isTyping(e.target) || overlayOpen()) return;
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      let handled = true;
      if (key === 's') k.toggle();
      else if (key in TAB_KEYS) setTab(TAB_KEYS[key]!);
      else if (key === '/') {
        if (k.tab === 'timeline') timelineSearch.current?.focus();
        else if (k.tab === 'subnets') subnetSearch.current?.focus();
        else handled = false;
      } else handled = false;
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  const streamAlert = streamError && (
    <Alert type="error" showIcon className="drover-nb-alert" data-testid="netboot-stream-error" title={t('netboot.streamError')} description={<ErrorDetails error={streamError} action="watchNetboot" />} />
  );

  if (!loaded) {
    return (
      <div className="drover-netboot" data-testid="netboot-page" data-loaded="false">
        {streamAlert}
        <Card size="small">
          <Typography.Text type="secondary">{t('netboot.loading')}</Typography.Text>
          <Skeleton active paragraph={{ rows: 3 }} title={false} />
        </Card>
      </div>
    );
  }

  return (
    <div className="drover-netboot" data-testid="netboot-page" data-loaded="true">
      {streamAlert}
      <NetbootHeader />
      <Tabs
        activeKey={tab}
        onChange={(key) => setTab(key as TabKey)}
        className="drover-nb-tabs"
        items={[
          { key: 'timeline', label: <span data-testid="netboot-tab-timeline">{t('netboot.tabs.timeline')} (T)</span>, children: <TimelineTable searchRef={timelineSearch} focus={focus} /> },
          { key: 'subnets', label: <span data-testid="netboot-tab-subnets">{t('netboot.tabs.subnets')} (U)</span>, children: <SubnetTable searchRef={subnetSearch} /> },
          { key: 'config', label: <span data-testid="netboot-tab-config">{t('netboot.tabs.config')} (C)</span>, children: <ConfigEditor saveRef={saveRef} /> },
          { key: 'dnsmasq', label: <span data-testid="netboot-tab-dnsmasq">{t('netboot.tabs.dnsmasq')} (D)</span>, children: <DnsmasqPanel /> },
        ]}
      />
    </div>
  );
}
