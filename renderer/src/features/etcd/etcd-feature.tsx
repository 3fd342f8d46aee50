import { DatabaseOutlined } from '@ant-design/icons';
import { defineFeature } from '../../app/feature';
import { etcdStoreKey } from './etcd-hooks';
import { EtcdPage } from './etcd-page';
import { ETCD_SHORTCUTS } from './etcd-shortcuts';
import { etcdEn } from './i18n.en';
import { etcdZhCN } from './i18n.zh-cn';

/** etcd: sessions, the live key browser with CAS edits, guarded prefix deletes, history, leases and the farm tables. */
export const etcdFeature = defineFeature({
  id: 'etcd',
  page: { icon: <DatabaseOutlined />, component: EtcdPage, digit: 3, shortcuts: ETCD_SHORTCUTS },
  stores: [etcdStoreKey],
  strings: { en: etcdEn, 'zh-CN': etcdZhCN },
});
