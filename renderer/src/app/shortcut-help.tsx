import { Modal, Table, Typography } from 'antd';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import { PAGES } from './pages';
import { SHORTCUTS, type ShortcutDescription } from './use-shortcuts';

/** The list of keyboard shortcuts (Ctrl+K or ?). */
export function ShortcutHelp({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const describe = (s: ShortcutDescription): string => {
    switch (s.action) {
      case 'goTo':
        return t('shortcuts.goTo', { page: t(`nav.${s.page}`) });
      case 'settings':
        return t('shortcuts.settings');
      case 'help':
        return t('shortcuts.help');
      case 'close':
        return t('shortcuts.close');
      case 'toggleTheme':
        return t('shortcuts.toggleTheme');
      case 'toggleLanguage':
        return t('shortcuts.toggleLanguage');
    }
  };
  const rows = SHORTCUTS.map((s, i) => ({ key: i, shortcut: s, text: describe(s) }));
  return (
    <Modal open={open} onCancel={onClose} footer={null} title={t('shortcuts.title')} width={520} destroyOnHidden>
      <div data-testid="shortcut-help">
        <Table
          size="small"
          pagination={false}
          showHeader={false}
          dataSource={rows}
          columns={[
            {
              key: 'keys',
              width: 170,
              render: (_: unknown, row: (typeof rows)[number]) =>
                row.shortcut.keys.map((combo, i) => (
                  <Fragment key={i}>
                    {i > 0 && <Typography.Text type="secondary"> {t('shortcuts.or')} </Typography.Text>}
                    {combo.map((k, j) => (
                      <Fragment key={j}>
                        {j > 0 && '+'}
                        <Typography.Text keyboard>{k}</Typography.Text>
                      </Fragment>
                    ))}
                  </Fragment>
                )),
            },
            { key: 'text', dataIndex: 'text' },
          ]}
        />
        {PAGES.filter((p) => p.shortcuts?.length).map((p) => (
          <div key={p.id} data-testid={`shortcut-help-${p.id}`}>
            <Typography.Title level={5} style={{ margin: '16px 0 4px' }}>
              {t('shortcuts.pageTitle', { page: t(`nav.${p.id}`) })}
            </Typography.Title>
            <Table
              size="small"
              pagination={false}
              showHeader={false}
              rowKey={(row) => row.text}
              dataSource={p.shortcuts!.map((s) => ({ keys: s.keys, text: s.describe(t) }))}
              columns={[
                { key: 'keys', width: 170, render: (_: unknown, row: { keys: readonly (readonly string[])[]; text: string }) => <KeyCombos combos={row.keys} /> },
                { key: 'text', dataIndex: 'text' },
              ]}
            />
          </div>
        ))}
        <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
          {t('shortcuts.footer')}
        </Typography.Paragraph>
      </div>
    </Modal>
  );
}

function KeyCombos({ combos }: { combos: readonly (readonly string[])[] }) {
  const { t } = useTranslation();
  return combos.map((combo, i) => (
    <Fragment key={i}>
      {i > 0 && <Typography.Text type="secondary"> {t('shortcuts.or')} </Typography.Text>}
      {combo.map((k, j) => (
        <Fragment key={j}>
          {j > 0 && '+'}
          <Typography.Text keyboard>{k}</Typography.Text>
        </Fragment>
      ))}
    </Fragment>
  ));
}
