import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { startSshd, type SshdHandle } from '../harness/index';
import { expect, setUi, test, withClient, type DroverServer } from './fixtures';
import { activeTab, closeAllTabs, expectOutput, marker, openLocal, openSsh, openTerminalPage, tabs, terminalInput, text, typeLine, waitRunning } from './terminal-page';

// The terminal page against the real `drover serve` in Chromium: local shells through node-pty and
// SSH shells into a harness sshd, typed into through xterm.js, with flow control, resize,
// broadcast, run on hosts, reconnect and the end of sessions checked from both sides.
//
// The page's buffer is read through window.__droverTerminals (features/terminal/test-hook.ts): the
// WebGL renderer draws on a canvas, so there is no DOM text to read.

test.describe.configure({ mode: 'serial' });

let sshd: SshdHandle;

test.beforeAll(async () => {
  sshd = await startSshd();
});

test.afterAll(async () => {
  await sshd?.stop();
});

/** Sessions the service holds right now (terminal.list over a second connection to the host). */
const serverSessions = (drover: DroverServer) => withClient(drover, (api) => api.terminal.list(null));

/** `stty size` as the shell sees it. */
async function sttySize(page: Page, key: string): Promise<{ rows: number; cols: number }> {
  const m = marker('sz');
  await typeLine(page, `echo ${m}=$(stty size)=`);
  const re = new RegExp(`${m}=(\\d+) (\\d+)=`);
  await expectOutput(page, key, re);
  const all = [...(await text(page, key)).matchAll(new RegExp(re, 'g'))];
  const last = all[all.length - 1]!;
  return { rows: Number(last[1]), cols: Number(last[2]) };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

test('local shell: typing runs commands, stty follows the viewport, a flood stops on Ctrl-C, closing ends the process', async ({ page, drover, pageErrors }) => {
  await openTerminalPage(page, drover);
  await expect(page.getByTestId('terminal-empty')).toBeVisible();
  const tab = await openLocal(page);
  expect(tab.kind).toBe('local');
  expect(tab.pid).toBeGreaterThan(0);
  expect(pidAlive(tab.pid!)).toBe(true);
  // Global shortcuts stay out of the terminal.
  await expect(page.locator('.drover-term-pane.is-active [data-shortcuts="off"]')).toHaveCount(1);

  const m = marker('local');
  await typeLine(page, `echo ${m} $((6*7))`);
  await expectOutput(page, tab.key, `${m} 42`);

  // The grid follows the container; the shell hears about it (SIGWINCH through the pty).
  const before = await sttySize(page, tab.key);
  expect(before).toEqual({ rows: tab.rows, cols: tab.cols });
  await page.setViewportSize({ width: 1000, height: 600 });
  await expect.poll(async () => (await activeTab(page)).cols).toBeLessThan(before.cols);
  const resized = await activeTab(page);
  const after = await sttySize(page, tab.key);
  expect(after).toEqual({ rows: resized.rows, cols: resized.cols });
  expect(after.rows).toBeLessThan(before.rows);

  // A flood (flow-controlled by acks), then Ctrl-C: the shell is back quickly.
  await typeLine(page, `yes ${marker('flood')}`);
  await expect.poll(async () => (await activeTab(page)).parsedChars, { timeout: 10_000 }).toBeGreaterThan(2_000_000);
  await page.keyboard.press('Control+C');
  const stopped = Date.now();
  const m2 = marker('after');
  await typeLine(page, `echo ${m2} $((2+3))`);
  await expectOutput(page, tab.key, `${m2} 5`, 10_000);
  const recoveryMs = Date.now() - stopped;
  console.log(`flood: Ctrl-C to the next command's output in ${recoveryMs} ms`);
  expect(recoveryMs).toBeLessThan(5_000);

  // Closing the tab ends the shell and forgets the session.
  const ids = (await tabs(page)).map((t) => t.sessionId);
  await closeAllTabs(page);
  await expect(page.getByTestId('terminal-empty')).toBeVisible();
  await expect.poll(async () => (await serverSessions(drover)).filter((s) => ids.includes(s.id))).toEqual([]);
  await expect.poll(() => pidAlive(tab.pid!), { timeout: 5_000 }).toBe(false);
  expect(await serverSessions(drover)).toEqual([]);
  expect(pageErrors).toEqual([]);
});

test('SSH shell into a real sshd: host key approval, typing, resize, exit code, reconnect keeps the scrollback', async ({ page, drover, pageErrors }) => {
  await openTerminalPage(page, drover);
  const tab = await openSsh(page, sshd);
  expect(tab.kind).toBe('ssh');
  expect(tab.label).toContain(`${sshd.user}@${sshd.host}:${sshd.port}`);
  await expect(page.getByTestId(`terminal-tab-${tab.key}`)).toContainText(`${sshd.user}@${sshd.host}:${sshd.port}`);

  const m = marker('ssh');
  await typeLine(page, `echo ${m} $((3*3)) $SSH_CONNECTION`);
  await expectOutput(page, tab.key, new RegExp(`${m} 9 127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${sshd.port}`));

  const before = await sttySize(page, tab.key);
  expect(before).toEqual({ rows: tab.rows, cols: tab.cols });
  await page.setViewportSize({ width: 1100, height: 640 });
  await expect.poll(async () => (await activeTab(page)).cols).toBeLessThan(before.cols);
  const resized = await activeTab(page);
  expect(await sttySize(page, tab.key)).toEqual({ rows: resized.rows, cols: resized.cols });

  // The session ends: the tab says so with the exit code and offers Reconnect.
  await typeLine(page, 'exit 3');
  const ended = page.getByTestId('terminal-ended');
  await expect(ended).toBeVisible();
  await expect(ended).toHaveAttribute('data-exit-code', '3');
  await expect(ended).toContainText('exit code 3');
  await expect(page.getByTestId(`terminal-tab-${tab.key}`)).toContainText('exit 3');
  await page.getByTestId('terminal-reconnect').click();
  const again = await waitRunning(page);
  expect(again.key).toBe(tab.key);
  expect(again.sessionId).not.toBe(tab.sessionId);
  const m2 = marker('again');
  await typeLine(page, `echo ${m2} $((4*4))`);
  await expectOutput(page, tab.key, `${m2} 16`);
  // Same xterm: what came before the reconnect is still there.
  expect(await text(page, tab.key)).toContain(`${m} 9`);

  await closeAllTabs(page);
  await expect.poll(async () => (await serverSessions(drover)).length).toBe(0);
  expect(pageErrors).toEqual([]);
});

test('broadcast types once into every marked tab, is unmistakable, and stops', async ({ page, drover, pageErrors }) => {
  await openTerminalPage(page, drover);
  const a = await openLocal(page);
  const b = await openSsh(page, sshd);
  const c = await openLocal(page);

  await page.getByTestId('terminal-broadcast-toggle').click();
  await expect(page.getByTestId('terminal-broadcast-toggle')).toHaveAttribute('data-broadcast', 'on');
  // c stays out of it.
  await page.getByTestId(`terminal-broadcast-check-${c.key}`).click();
  for (const k of [a.key, b.key]) await expect(page.getByTestId(`terminal-tab-${k}`)).toHaveAttribute('data-broadcast', 'on');
  await expect(page.getByTestId(`terminal-tab-${c.key}`)).toHaveAttribute('data-broadcast', 'off');
  await expect(page.getByTestId(`terminal-tab-${a.key}`)).toContainText('BROADCAST');

  await page.getByTestId(`terminal-tab-${a.key}`).click();
  const banner = page.getByTestId(`terminal-pane-${a.key}`).getByTestId('terminal-broadcast-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('goes to 2 terminals');
  const m = marker('bc');
  await typeLine(page, `echo ${m} $((5*5))`);
  await expectOutput(page, a.key, `${m} 25`);
  await expectOutput(page, b.key, `${m} 25`);
  expect(await text(page, c.key)).not.toContain(m);

  // The non-member says that broadcast is on elsewhere.
  await page.getByTestId(`terminal-tab-${c.key}`).click();
  await expect(page.getByTestId(`terminal-pane-${c.key}`).getByTestId('terminal-broadcast-other')).toBeVisible();

  // Ctrl+Shift+B in a member tab stops it.
  await page.getByTestId(`terminal-tab-${b.key}`).click();
  await terminalInput(page).focus();
  await page.keyboard.press('Control+Shift+B');
  await expect(page.getByTestId('terminal-broadcast-toggle')).toHaveAttribute('data-broadcast', 'off');
  const m2 = marker('solo');
  await typeLine(page, `echo ${m2} $((7*7))`);
  await expectOutput(page, b.key, `${m2} 49`);
  await page.waitForTimeout(300);
  expect(await text(page, a.key)).not.toContain(m2);

  await closeAllTabs(page);
  expect(pageErrors).toEqual([]);
});

test('run on hosts: argv preview, confirmation, state, exit code, duration, stdout and stderr side by side', async ({ page, drover, pageErrors }) => {
  await openTerminalPage(page, drover);
  await openSsh(page, sshd);
  await page.getByTestId('terminal-view-run').click();
  await expect(page.getByTestId('run-on-hosts')).toBeVisible();
  const route = `${sshd.user}@${sshd.host}:${sshd.port}`;
  const option = page.locator(`[data-testid="run-host-option"][data-route="${route}"]`);
  await expect(option).toBeVisible();
  await option.click();
  // A host that refuses connections fails on its own without holding up the others.
  await page.getByTestId('run-add-host').fill(`${sshd.user}@127.0.0.1:1`);
  await page.getByTestId('run-add-host-button').click();
  await expect(page.getByTestId('run-selected-count')).toContainText('2 selected');

  await page.getByTestId('run-command').fill(`sh -c 'echo out-$((1+1)); echo "to stderr" >&2; exit 4'`);
  await expect(page.getByTestId('run-arg')).toHaveText(['sh', '-c', 'echo out-$((1+1)); echo "to stderr" >&2; exit 4']);
  await page.getByTestId('run-start').click();
  await page.getByTestId('run-confirm').click();

  const ok = page.locator(`[data-testid="run-result"][data-host="${route}"]`);
  await expect(ok).toHaveAttribute('data-state', 'done', { timeout: 20_000 });
  await expect(ok).toHaveAttribute('data-exit-code', '4');
  await expect(ok.getByTestId('run-stdout')).toHaveText('out-2\n');
  await expect(ok.getByTestId('run-stderr')).toHaveText('to stderr\n');
  await expect(ok).toContainText('Exit 4');
  await expect(ok).toContainText(/\d+\.\d\d s/);
  const bad = page.locator(`[data-testid="run-result"][data-host="${sshd.user}@127.0.0.1:1"]`);
  await expect(bad).toHaveAttribute('data-state', 'failed', { timeout: 30_000 });
  await expect(page.getByTestId('run-summary')).toContainText('0 done · 2 failed · 0 running');

  await page.getByTestId('terminal-view-terminals').click();
  await closeAllTabs(page);
  expect(pageErrors).toEqual([]);
});

test('find in scrollback, font size keys, transcript download, local restart, and openTerminal from another page', async ({ page, drover, pageErrors }) => {
  await openTerminalPage(page, drover);
  const tab = await openLocal(page);
  const m = marker('find');
  await typeLine(page, `for i in 1 2 3; do echo ${m}-$i; done`);
  await expectOutput(page, tab.key, `${m}-3`);

  await page.keyboard.press('Control+Shift+F');
  await expect(page.getByTestId('terminal-search')).toBeVisible();
  await page.getByTestId('terminal-search-input').fill(`${m}-`);
  // Three output lines and the command line itself.
  await expect(page.getByTestId('terminal-search-count')).toHaveText(/of 4$/);
  await page.getByTestId('terminal-search-input').press('Escape');
  await expect(page.getByTestId('terminal-search')).toBeHidden();

  const cols = tab.cols;
  await terminalInput(page).focus();
  await page.keyboard.press('Control+Equal');
  await page.keyboard.press('Control+Equal');
  await expect.poll(async () => (await activeTab(page)).cols).toBeLessThan(cols);
  await page.keyboard.press('Control+0');
  await expect.poll(async () => (await activeTab(page)).cols).toBe(cols);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('terminal-save').click()]);
  expect(download.suggestedFilename()).toMatch(/^drover-local-\d{8}-\d{6}\.txt$/);
  const saved = fs.readFileSync(await download.path(), 'utf8');
  expect(saved).toContain(`${m}-2`);

  // The shell exits: exit code shown; "New shell here" continues below the old scrollback.
  await typeLine(page, 'exit 0');
  await expect(page.getByTestId('terminal-ended')).toHaveAttribute('data-exit-code', '0');
  await expect.poll(() => pidAlive(tab.pid!), { timeout: 5_000 }).toBe(false);
  await page.getByTestId('terminal-reconnect').click();
  const again = await waitRunning(page);
  expect(again.pid).not.toBe(tab.pid);
  expect(await text(page, tab.key)).toContain(`${m}-1`);

  // Another page opens a terminal and lands on it in one call (what a "Terminal" button does).
  await page.getByTestId('nav-tunnels').click();
  await expect(page).toHaveURL(/#\/tunnels$/);
  await page.evaluate(() => window.__droverTerminals!.open({ kind: 'local' }));
  await expect(page).toHaveURL(/#\/terminal$/);
  const third = await waitRunning(page);
  expect(third.key).not.toBe(tab.key);
  // The first tab kept running while the page was away.
  expect((await tabs(page)).find((t) => t.key === tab.key)?.status).toBe('running');

  await closeAllTabs(page);
  await expect.poll(async () => (await serverSessions(drover)).length).toBe(0);
  expect(pageErrors).toEqual([]);
});

// ---- screenshots for a person to look at ----

const SHOTS = '/tmp/drover-shots';

test('screenshots: terminal page (two tabs, broadcast, ended session) and run on hosts, en and zh-CN, light and dark', async ({ page, drover }) => {
  test.setTimeout(150_000);
  fs.mkdirSync(SHOTS, { recursive: true });
  await openTerminalPage(page, drover);
  const ssh = await openSsh(page, sshd);
  await typeLine(page, 'cd / && ls --color=always -F / && printf "\\033[1;32mOK\\033[0m \\033[33mwarn\\033[0m \\033[31merror\\033[0m\\n"');
  await expectOutput(page, ssh.key, /OK warn error/);
  const local = await openLocal(page);
  await typeLine(page, `echo "GPU temps:"; for g in 0 1 2 3; do printf "gpu%s \\033[3%sm%s°C\\033[0m\\n" $g $((g+1)) $((60+g*7)); done`);
  await expectOutput(page, local.key, 'gpu3');

  // A finished run with one success and one failure.
  await page.getByTestId('terminal-view-run').click();
  const route = `${sshd.user}@${sshd.host}:${sshd.port}`;
  await page.locator(`[data-testid="run-host-option"][data-route="${route}"]`).click();
  await page.getByTestId('run-add-host').fill(`${sshd.user}@127.0.0.1:1`);
  await page.getByTestId('run-add-host-button').click();
  await page.getByTestId('run-command').fill(`sh -c 'uname -sr; df -h / | tail -1; echo "warning: fan 2 at 95%" >&2'`);
  await page.getByTestId('run-start').click();
  await page.getByTestId('run-confirm').click();
  await expect(page.locator('[data-testid="run-result"][data-state="running"]')).toHaveCount(0, { timeout: 30_000 });

  const variants = [
    ['en', 'light'],
    ['en', 'dark'],
    ['zh-CN', 'light'],
    ['zh-CN', 'dark'],
  ] as const;
  for (const [language, theme] of variants) {
    await setUi(drover, { language, theme });
    await expect(page.getByTestId('shell')).toHaveAttribute('data-theme', theme);
    await expect(page.getByTestId('shell')).toHaveAttribute('data-language', language);
    const suffix = `${language === 'en' ? 'en' : 'zh'}-${theme}`;
    await page.getByTestId('terminal-view-terminals').click();
    await page.getByTestId(`terminal-tab-${ssh.key}`).click();
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${SHOTS}/terminal-tabs-${suffix}.png` });
    await page.getByTestId('terminal-broadcast-toggle').click();
    await page.waitForTimeout(400);
    await page.screenshot({ path: `${SHOTS}/terminal-broadcast-${suffix}.png` });
    await page.getByTestId('terminal-broadcast-toggle').click();
    await page.getByTestId('terminal-view-run').click();
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${SHOTS}/terminal-run-${suffix}.png` });
  }

  // A session that ended with an error code.
  await page.getByTestId('terminal-view-terminals').click();
  await openLocal(page);
  await typeLine(page, 'echo "rig-07: miner crashed"; exit 3');
  await expect(page.getByTestId('terminal-ended').last()).toBeVisible();
  for (const [language, theme] of [variants[0], variants[3]]) {
    await setUi(drover, { language, theme });
    await expect(page.getByTestId('shell')).toHaveAttribute('data-theme', theme);
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${SHOTS}/terminal-ended-${language === 'en' ? 'en' : 'zh'}-${theme}.png` });
  }

  await setUi(drover, { language: 'en', theme: 'light' });
  await closeAllTabs(page);
});
