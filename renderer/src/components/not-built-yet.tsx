import { ToolOutlined } from '@ant-design/icons';
import { Card, Flex, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';

export type PlaceholderPage = 'etcd' | 'miners' | 'netboot' | 'domains' | 'fleet';

/** What a page that a later issue fills shows meanwhile: that it is missing, and what it will do. */
export function NotBuiltYet({ page }: { page: PlaceholderPage }) {
  const { t } = useTranslation();
  const name = t(`nav.${page}`);
  return (
    <Card className="drover-placeholder" data-testid="not-built-yet" data-page={page}>
      <Flex gap={16} align="flex-start">
        <ToolOutlined className="drover-placeholder-icon" aria-hidden />
        <div>
          <Flex gap={8} align="center" wrap>
            <Typography.Title level={4} style={{ margin: 0 }}>
              {t('placeholder.title', { page: name })}
            </Typography.Title>
            <Tag color="warning">{t('placeholder.badge')}</Tag>
          </Flex>
          <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 4 }}>
            {t('placeholder.later')}
          </Typography.Paragraph>
          <Typography.Paragraph style={{ marginBottom: 0 }} data-testid="not-built-yet-description">
            {t(`placeholder.${page}`)}
          </Typography.Paragraph>
        </div>
      </Flex>
    </Card>
  );
}
