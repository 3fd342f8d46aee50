import { CopyOutlined, SaveOutlined } from '@ant-design/icons';
import type { DnsmasqModeName } from '@contract/netboot';
import { Alert, App, Button, Checkbox, Flex, Input, Segmented, Select, Space, Spin, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { useNetbootStore } from './netboot-hooks';
import { selectDnsmasq, selectNetbootFresh } from './netboot-store';

/**
 * The dnsmasq companion: the config for the subnets in use, as full DHCP or as proxy-DHCP beside
 * an existing DHCP server; copied, or saved to a file (replacing one only after asking).
 * Regenerated whenever the options or the responder's config change.
 */
export function DnsmasqPanel() {
  const { t } = useTranslation();
  const { modal, message } = App.useApp();
  const d = useNetbootStore(selectDnsmasq);
  const fresh = useNetbootStore(selectNetbootFresh);
  const configAt = useNetbootStore((s) => s.status?.config?.atMs ?? 0);
  const setOptions = useNetbootStore((s) => s.setDnsmasqOptions);
  const generate = useNetbootStore((s) => s.generateDnsmasq);
  const save = useNetbootStore((s) => s.saveDnsmasq);
  const [savePath, setSavePath] = useState('');
  const interfacesKey = d.interfaces.join(',');

  useEffect(() => {
    if (fresh) void generate();
  }, [fresh, d.mode, interfacesKey, d.tftp, configAt, generate]);

  const copy = async () => {
    if (!d.result) return;
    try {
      await navigator.clipboard.writeText(d.result.text);
      void message.success(t('netboot.dnsmasq.copied'));
    } catch {
      void message.warning(t('netboot.dnsmasq.copyFailed'));
    }
  };

  const doSave = async () => {
    const file = savePath.trim();
    if (!file) return;
    const outcome = await save(file, false);
    if (outcome !== 'exists') return;
    modal.confirm({
      title: t('netboot.dnsmasq.exists.title', { path: file }),
      content: <span data-testid="netboot-dnsmasq-replace">{t('netboot.dnsmasq.exists.body')}</span>,
      okText: t('netboot.dnsmasq.exists.ok'),
      okButtonProps: { danger: true, ...({ 'data-testid': 'netboot-dnsmasq-replace-ok' } as Record<string, string>) },
      onOk: () => save(file, true),
    });
  };

  const r = d.result;
  return (
    <div className="drover-nb-dnsmasq" data-testid="netboot-dnsmasq" data-mode={d.mode}>
      {r && <Typography.Paragraph type="secondary">{t('netboot.dnsmasq.intro', { count: r.subnets, url: r.serverUrl })}</Typography.Paragraph>}
      <Flex gap={16} wrap align="center" className="drover-nb-toolbar">
        <Typography.Text>{t('netboot.dnsmasq.mode')}</Typography.Text>
        <Segmented<DnsmasqModeName>
          value={d.mode}
          onChange={(mode) => setOptions({ mode })}
          options={[
            { value: 'dhcp', label: <span data-testid="netboot-dnsmasq-mode-dhcp">{t('netboot.dnsmasq.modeDhcp')}</span> },
            { value: 'proxy', label: <span data-testid="netboot-dnsmasq-mode-proxy">{t('netboot.dnsmasq.modeProxy')}</span> },
          ]}
        />
        <Typography.Text>{t('netboot.dnsmasq.interfaces')}</Typography.Text>
        <Select
          mode="tags"
          value={[...d.interfaces]}
          onChange={(interfaces: string[]) => setOptions({ interfaces })}
          placeholder={t('netboot.dnsmasq.interfacesPlaceholder')}
          style={{ minWidth: 220 }}
          tokenSeparators={[',', ' ']}
          open={false}
          suffixIcon={null}
          data-testid="netboot-dnsmasq-interfaces"
        />
        <Checkbox checked={d.tftp} onChange={(e) => setOptions({ tftp: e.target.checked })} data-testid="netboot-dnsmasq-tftp">
          {t('netboot.dnsmasq.tftp')}
        </Checkbox>
      </Flex>
      <Typography.Paragraph type="secondary" className="drover-nb-mode-help">
        {d.mode === 'dhcp' ? t('netboot.dnsmasq.modeDhcpHelp') : t('netboot.dnsmasq.modeProxyHelp')}
      </Typography.Paragraph>
      {d.error && <Alert type="warning" showIcon className="drover-nb-alert" description={<ErrorDetails error={d.error} />} data-testid="netboot-dnsmasq-error" />}
      {r && r.warnings.length > 0 && (
        <Alert
          type="warning"
          showIcon
          className="drover-nb-alert"
          title={t('netboot.dnsmasq.warnings')}
          description={
            <ul className="drover-nb-warnings">
              {r.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          }
          data-testid="netboot-dnsmasq-warnings"
        />
      )}
      <div className="drover-nb-pre-wrap">
        {d.loading && !r && <Spin size="small" description={t('netboot.dnsmasq.generating')} />}
        {r && (
          <pre className={`drover-nb-pre drover-mono${d.loading ? ' drover-stale' : ''}`} data-testid="netboot-dnsmasq-text">
            {r.text}
          </pre>
        )}
      </div>
      <Flex gap={8} wrap align="center">
        <Button icon={<CopyOutlined />} disabled={!r} onClick={() => void copy()} data-testid="netboot-dnsmasq-copy">
          {t('netboot.dnsmasq.copy')}
        </Button>
        <Space.Compact style={{ flex: 1, minWidth: 360 }}>
          <Input
            value={savePath}
            onChange={(e) => setSavePath(e.target.value)}
            placeholder={t('netboot.dnsmasq.savePathPlaceholder')}
            addonBefore={t('netboot.dnsmasq.savePath')}
            className="drover-mono"
            onPressEnter={() => void doSave()}
            data-testid="netboot-dnsmasq-path"
          />
          <Button type="primary" icon={<SaveOutlined />} loading={d.saving} disabled={!r || !fresh || savePath.trim() === ''} onClick={() => void doSave()} data-testid="netboot-dnsmasq-save">
            {t('netboot.dnsmasq.save')}
          </Button>
        </Space.Compact>
      </Flex>
      {d.saved && <Alert type="success" showIcon className="drover-nb-alert" title={t('netboot.dnsmasq.savedTo', { path: d.saved.path, bytes: d.saved.bytes })} data-testid="netboot-dnsmasq-saved" />}
    </div>
  );
}
