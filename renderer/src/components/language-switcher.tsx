import { CheckOutlined, DownOutlined, GlobalOutlined } from '@ant-design/icons';
import { Button, Dropdown } from 'antd';
import { useTranslation } from 'react-i18next';
import { selectLanguage, selectResolvedLanguage, type UiLanguage } from '../stores/settings-store';
import { useSettingsStore } from '../stores/stores';

const OPTIONS: readonly { value: UiLanguage; key: 'en' | 'zhCN' | 'system' }[] = [
  { value: 'en', key: 'en' },
  { value: 'zh-CN', key: 'zhCN' },
  { value: 'system', key: 'system' },
];

/** English / 简体中文 / follow system, from the header. Labels stay in their own language. */
export function LanguageSwitcher() {
  const { t } = useTranslation();
  const language = useSettingsStore(selectLanguage);
  const resolved = useSettingsStore(selectResolvedLanguage);
  const setLanguage = useSettingsStore((s) => s.setLanguage);
  return (
    <Dropdown
      trigger={['click']}
      menu={{
        selectable: true,
        selectedKeys: [language],
        items: OPTIONS.map((o) => ({
          key: o.value,
          label: t(`language.${o.key}`),
          'data-testid': `language-option-${o.value}`,
          icon: o.value === language ? <CheckOutlined /> : <span className="drover-menu-check-space" />,
        })),
        onClick: ({ key }) => void setLanguage(key as UiLanguage),
      }}
    >
      <Button size="small" type="text" icon={<GlobalOutlined aria-hidden />} aria-label={t('header.language')} title={t('header.language')} data-testid="language-switcher">
        {t(resolved === 'zh-CN' ? 'language.zhCN' : 'language.en')}
        <DownOutlined className="drover-caret" />
      </Button>
    </Dropdown>
  );
}
