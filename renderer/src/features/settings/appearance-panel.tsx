import { Card, Form, Radio, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import {
  selectLanguage,
  selectResolvedLanguage,
  selectResolvedTheme,
  selectTheme,
  type UiLanguage,
  type UiTheme,
} from '../../stores/settings-store';
import { useSettingsStore } from '../../stores/stores';

export function AppearancePanel() {
  const { t } = useTranslation();
  const language = useSettingsStore(selectLanguage);
  const theme = useSettingsStore(selectTheme);
  const resolvedLanguage = useSettingsStore(selectResolvedLanguage);
  const resolvedTheme = useSettingsStore(selectResolvedTheme);
  const setLanguage = useSettingsStore((s) => s.setLanguage);
  const setTheme = useSettingsStore((s) => s.setTheme);

  return (
    <Card title={t('settings.appearance')} size="small" data-testid="appearance-panel">
      <Form layout="horizontal" labelCol={{ flex: '96px' }} labelAlign="left" colon={false}>
        <Form.Item label={t('settings.language')} extra={language === 'system' ? t('settings.resolved', { value: t(resolvedLanguage === 'zh-CN' ? 'language.zhCN' : 'language.en') }) : undefined}>
          <Radio.Group
            optionType="button"
            size="small"
            value={language}
            onChange={(e) => void setLanguage(e.target.value as UiLanguage)}
            data-testid="settings-language"
            options={[
              { value: 'en', label: t('language.en') },
              { value: 'zh-CN', label: t('language.zhCN') },
              { value: 'system', label: t('language.system') },
            ]}
          />
        </Form.Item>
        <Form.Item label={t('settings.theme')} extra={theme === 'system' ? t('settings.resolved', { value: t(`theme.${resolvedTheme}`) }) : undefined}>
          <Radio.Group
            optionType="button"
            size="small"
            value={theme}
            onChange={(e) => void setTheme(e.target.value as UiTheme)}
            data-testid="settings-theme"
            options={[
              { value: 'light', label: t('theme.light') },
              { value: 'dark', label: t('theme.dark') },
              { value: 'system', label: t('theme.system') },
            ]}
          />
        </Form.Item>
      </Form>
      <Typography.Text type="secondary" data-testid="settings-persistence">
        {t('settings.savedOnServer')}
      </Typography.Text>
    </Card>
  );
}
