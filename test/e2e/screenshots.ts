import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, setUi, type DroverServer } from './fixtures';

/** Where the e2e specs leave their screenshots, to be looked at (not compared). */
export const SHOTS_DIR = '/tmp/drover-shots';

/**
 * A spec's screenshot helpers: `shot` takes one picture named `<feature>-<name>.png`;
 * `shotsInAllLooks` takes it in English and Chinese, light and dark, and leaves the page in
 * English and light.
 */
export function screenshots(feature: string, options: { fullPage?: boolean } = {}) {
  const shot = async (page: Page, name: string): Promise<void> => {
    fs.mkdirSync(SHOTS_DIR, { recursive: true });
    await page.waitForTimeout(500); // the UI kit's animations
    await page.screenshot({ path: `${SHOTS_DIR}/${feature}-${name}.png`, ...(options.fullPage ? { fullPage: true } : {}) });
  };
  const shotsInAllLooks = async (page: Page, drover: DroverServer, name: string): Promise<void> => {
    const shell = page.getByTestId('shell');
    for (const ui of [
      { language: 'en', theme: 'light' },
      { language: 'en', theme: 'dark' },
      { language: 'zh-CN', theme: 'light' },
      { language: 'zh-CN', theme: 'dark' },
    ] as const) {
      await setUi(drover, ui);
      await expect(shell).toHaveAttribute('data-theme', ui.theme);
      await expect(shell).toHaveAttribute('data-language', ui.language);
      await shot(page, `${name}-${ui.language === 'en' ? 'en' : 'zh'}-${ui.theme}`);
    }
    await setUi(drover, { language: 'en', theme: 'light' });
    await expect(shell).toHaveAttribute('data-language', 'en');
  };
  return { shot, shotsInAllLooks };
}
