import { DatabaseOutlined } from '@ant-design/icons';
import { defineFeature } from '../../app/feature';
import { EtcdPage } from './etcd-page';
import { etcdEn } from './i18n.en';
import { etcdZhCN } from './i18n.zh-cn';

/** etcd (placeholder until the feature is built). */
export const etcdFeature = defineFeature({
  id: 'etcd',
  page: { icon: <DatabaseOutlined />, component: EtcdPage, digit: 3 },
  strings: { en: etcdEn, 'zh-CN': etcdZhCN },
});
