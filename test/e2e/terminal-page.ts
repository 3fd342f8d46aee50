import { randomBytes } from 'node:crypto';
import type { Locator, Page } from '@playwright/test';
import type { SshdHandle } from '../harness/index';
import '../bench/support/terminal-hook';
import { expect, type DroverServer } from './fixtures';

// What the terminal specs do on the page: open tabs the way a person does, wait for a session's
// prompt, type, read a tab's buffer. The buffer is read through window.__droverTerminals
// (features/terminal/test-hook.ts): the WebGL renderer draws on a canvas, so there is no DOM text.

export type TabInfo = ReturnType<NonNullable<Window['__droverTerminals']>['tabs']>[number];

export const marker = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

export async function openTerminalPage(page: Page, drover: DroverServer): Promise<void> {
  await page.goto(`${drover.url}#/terminal`);
  await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'open');
  await expect(page.getByTestId('terminal-page')).toBeVisible();
  await page.waitForFunction(() => window.__droverTerminals !== undefined);
}

export const tabs = (page: Page): Promise<TabInfo[]> => page.evaluate(() => window.__droverTerminals!.tabs());

export const text = (page: Page, key: string): Promise<string> => page.evaluate((k) => window.__droverTerminals!.text(k), key);

export async function activeTab(page: Page): Promise<TabInfo> {
  const key = await page.evaluate(() => window.__droverTerminals!.activeKey());
  const t = (await tabs(page)).find((x) => x.key === key);
  if (!t) throw new Error('no active terminal tab');
  return t;
}

/**
 * Approves an unknown host key if the page asks right now. The click has a short timeout of its
 * own: the dialog can be closing (its button disabled while the answer is sent, then animated
 * away) between the check and the click, and a click without one waits for a button that never
 * comes back, past every poll around it.
 */
async function trustIfAsked(page: Page): Promise<void> {
  const trust = page.getByTestId('hostkey-trust');
  if (!(await trust.isVisible())) return;
  await trust.click({ timeout: 2_000 }).catch(() => undefined);
}

/** Waits until the active tab's session runs, approving an unknown host key if one is asked for. */
export async function waitRunning(page: Page): Promise<TabInfo> {
  await expect
    .poll(
      async () => {
        await trustIfAsked(page);
        return (await activeTab(page)).status;
      },
      { timeout: 30_000 },
    )
    .toBe('running');
  // Typed before the prompt, a line is echoed twice (type-ahead): wait for the shell's prompt.
  const key = (await activeTab(page)).key;
  await expect.poll(async () => (await text(page, key)).split('\n').pop() ?? '', { timeout: 15_000 }).toMatch(/[#$]\s*$/);
  return activeTab(page);
}

export function terminalInput(page: Page): Locator {
  return page.locator('.drover-term-pane.is-active .xterm-helper-textarea');
}

/** Types a command line into the active terminal the way a person does: keys into xterm. */
export async function typeLine(page: Page, line: string): Promise<void> {
  await terminalInput(page).focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function expectOutput(page: Page, key: string, expected: string | RegExp, timeout = 10_000): Promise<void> {
  await expect.poll(() => text(page, key), { timeout }).toMatch(typeof expected === 'string' ? new RegExp(escapeRe(expected)) : expected);
}

export async function openLocal(page: Page): Promise<TabInfo> {
  const before = (await tabs(page)).length;
  const empty = page.getByTestId('terminal-empty-local');
  if (await empty.isVisible()) await empty.click();
  else await page.getByTestId('terminal-new-local').click();
  await expect.poll(async () => (await tabs(page)).length).toBe(before + 1);
  return waitRunning(page);
}

/** Opens an SSH tab to the harness's sshd through the new-terminal dialog. */
export async function openSsh(page: Page, sshd: SshdHandle): Promise<TabInfo> {
  const before = (await tabs(page)).length;
  const empty = page.getByTestId('terminal-empty-ssh');
  if (await empty.isVisible()) await empty.click();
  else await page.getByTestId('terminal-new-ssh').click();
  const dialog = page.getByTestId('new-terminal-dialog');
  await expect(dialog).toBeVisible();
  await page.getByTestId('new-terminal-user').fill(sshd.user);
  await page.getByTestId('new-terminal-host').fill(sshd.host);
  await page.getByTestId('new-terminal-port').fill(String(sshd.port));
  await page.getByTestId('new-terminal-identity').fill(sshd.clientKeyPath);
  await page.getByTestId('new-terminal-open').click();
  await expect(dialog).toBeHidden();
  await expect.poll(async () => (await tabs(page)).length).toBe(before + 1);
  return waitRunning(page);
}

/** Closes every tab, confirming where Drover asks (a running job, or an sshd that refuses LC_*). */
export async function closeAllTabs(page: Page): Promise<void> {
  for (const t of await tabs(page)) {
    await page.getByTestId(`terminal-tab-${t.key}`).click();
    await page.getByTestId(`terminal-tab-close-${t.key}`).click();
    const confirm = page.getByTestId('terminal-close-confirm');
    await expect.poll(async () => (await confirm.isVisible()) || !(await tabs(page)).some((x) => x.key === t.key), { timeout: 15_000 }).toBe(true);
    if (await confirm.isVisible()) await confirm.click();
  }
  await expect.poll(async () => (await tabs(page)).length).toBe(0);
}
