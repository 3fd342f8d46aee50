import { SettingOutlined } from '@ant-design/icons';
import { Button, Form, InputNumber, Popover, Segmented, Switch, Tooltip, Typography } from 'antd';
import { useCallback, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { useTerminal, useTerminalStore } from './terminal-hooks';
import { FONT_SIZE_RANGE, SCROLLBACK_RANGE, selectActiveKey, selectPrefs, type RendererPref } from './terminal-store';
import { asXterm, isSoftwareWebgl, type RendererKind } from './xterm-screen';

/** Font size, scrollback length, WebGL and copy on select (kept in this browser profile). */
export function TerminalSettingsButton() {
  const { t } = useTranslation();
  const store = useTerminal();
  const prefs = useTerminalStore(selectPrefs);
  const activeKey = useTerminalStore(selectActiveKey);
  const screen = activeKey ? asXterm(store.getState().screen(activeKey)) : undefined;
  const subscribe = useCallback(
    (onChange: () => void) => {
      const sub = screen?.onDidChangeRenderer(onChange);
      return () => sub?.dispose();
    },
    [screen],
  );
  const renderer: RendererKind | undefined = useSyncExternalStore(subscribe, () => screen?.renderer);

  const set = store.getState().setPrefs;
  const content = (
    <div className="drover-term-settings" data-testid="terminal-settings">
      <Form layout="horizontal" labelCol={{ flex: '150px' }} labelAlign="left" colon={false} size="small">
        <Form.Item label={t('terminal.settings.fontSize')} extra={t('terminal.settings.fontSizeKeys')}>
          <InputNumber
            min={FONT_SIZE_RANGE.min}
            max={FONT_SIZE_RANGE.max}
            value={prefs.fontSize}
            onChange={(v) => v !== null && set({ fontSize: v })}
            suffix="px"
            data-testid="terminal-font-size"
          />
        </Form.Item>
        <Form.Item label={t('terminal.settings.scrollback')} extra={t('terminal.settings.scrollbackHint')}>
          <InputNumber
            min={SCROLLBACK_RANGE.min}
            max={SCROLLBACK_RANGE.max}
            step={1000}
            value={prefs.scrollback}
            onChange={(v) => v !== null && set({ scrollback: v })}
            suffix={t('terminal.settings.lines')}
            style={{ width: 150 }}
            data-testid="terminal-scrollback"
          />
        </Form.Item>
        <Form.Item
          label={t('terminal.settings.webgl')}
          extra={
            <>
              {t('terminal.settings.webglHint')}
              {renderer && (
                <div data-testid="terminal-renderer">
                  {t('terminal.settings.rendererNow', { renderer: renderer === 'webgl' ? 'WebGL' : 'DOM' })}
                  {prefs.renderer === 'auto' && renderer === 'dom' && isSoftwareWebgl() ? ` ${t('terminal.settings.softwareGl')}` : ''}
                </div>
              )}
            </>
          }
        >
          <Segmented<RendererPref>
            size="small"
            value={prefs.renderer}
            onChange={(v) => set({ renderer: v })}
            options={[
              { value: 'auto', label: t('terminal.settings.rendererAuto') },
              { value: 'webgl', label: 'WebGL' },
              { value: 'dom', label: 'DOM' },
            ]}
            data-testid="terminal-renderer-pref"
          />
        </Form.Item>
        <Form.Item label={t('terminal.settings.copyOnSelect')} style={{ marginBottom: 8 }}>
          <Switch checked={prefs.copyOnSelect} onChange={(v) => set({ copyOnSelect: v })} data-testid="terminal-copy-on-select" />
        </Form.Item>
      </Form>
      <Typography.Text type="secondary" className="drover-term-settings-note">
        {t('terminal.settings.savedLocally')}
      </Typography.Text>
    </div>
  );
  return (
    <Popover content={content} title={t('terminal.settings.title')} trigger="click" placement="bottomRight">
      <Tooltip title={t('terminal.tools.settings')}>
        <Button icon={<SettingOutlined aria-hidden />} aria-label={t('terminal.tools.settings')} data-testid="terminal-settings-button" />
      </Tooltip>
    </Popover>
  );
}
