import { SettingOutlined } from '@ant-design/icons';
import { defineFeature } from '../../app/feature';
import { settingsEn } from './i18n.en';
import { settingsZhCN } from './i18n.zh-cn';
import { SettingsPage } from './settings-page';

/** Settings: language, theme, the secret store, about. */
export const settingsFeature = defineFeature({
  id: 'settings',
  page: { icon: <SettingOutlined />, component: SettingsPage },
  strings: { en: settingsEn, 'zh-CN': settingsZhCN },
});
