import { Col, Row } from 'antd';
import { AboutPanel } from './about-panel';
import { AppearancePanel } from './appearance-panel';
import { SecretsPanel } from './secrets-panel';

/** Language and theme, the secret store, and what Drover is running as (with a ping). */
export function SettingsPage() {
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={12}>
        <Row gutter={[16, 16]}>
          <Col span={24}>
            <AppearancePanel />
          </Col>
          <Col span={24}>
            <SecretsPanel />
          </Col>
        </Row>
      </Col>
      <Col xs={24} xl={12}>
        <AboutPanel />
      </Col>
    </Row>
  );
}
