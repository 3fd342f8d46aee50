import { NodeIndexOutlined } from '@ant-design/icons';
import { defineFeature } from '../../app/feature';
import { tunnelsEn } from './i18n.en';
import { tunnelsZhCN } from './i18n.zh-cn';
import { TUNNEL_SHORTCUTS } from './tunnel-shortcuts';
import { tunnelsStoreKey } from './tunnels-hooks';
import { TunnelsPage } from './tunnels-page';

/** Tunnels: profiles, live state and traffic of SSH tunnels. */
export const tunnelsFeature = defineFeature({
  id: 'tunnels',
  page: { icon: <NodeIndexOutlined />, component: TunnelsPage, digit: 1, shortcuts: TUNNEL_SHORTCUTS },
  stores: [tunnelsStoreKey],
  strings: { en: tunnelsEn, 'zh-CN': tunnelsZhCN },
});
