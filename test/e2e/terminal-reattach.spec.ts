import { startSshd, type SshdHandle } from '../harness/index';
import { expect, startDrover, test, type DroverServer } from './fixtures';
import { closeAllTabs, expectOutput, marker, openLocal, openSsh, openTerminalPage, tabs, terminalInput, text, typeLine, waitRunning } from './terminal-page';

// Terminal tabs survive a reload of the page (the service keeps the sessions and a bounded replay
// buffer of each), closing a tab with a running job asks first, closing the page with live
// sessions asks first, tabs can be renamed (the name comes back after the reload) and
// duplicated, and Alt+digit switches pages from inside a terminal. Real `drover serve`, real
// node-pty, real sshd, Chromium.

test.describe.configure({ mode: 'serial' });

let sshd: SshdHandle;

test.beforeAll(async () => {
  sshd = await startSshd({ extraConfig: ['AcceptEnv LANG LC_*'] });
});

test.afterAll(async () => {
  await sshd?.stop();
});

test('reload: a local and an SSH tab come back with their scrollback and names; closing the page asked first', async ({ page, drover, pageErrors }) => {
  await openTerminalPage(page, drover);
  const local = await openLocal(page);
  const m1 = marker('loc');
  await typeLine(page, `echo ${m1} $((6*7))`);
  await expectOutput(page, local.key, new RegExp(`${m1} 42`));

  // Rename through the keyboard (Ctrl+Shift+E in the terminal).
  await terminalInput(page).focus();
  await page.keyboard.press('Control+Shift+E');
  await page.getByTestId('terminal-rename-input').fill('build box');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId(`terminal-tab-${local.key}`)).toContainText('build box');

  const ssh = await openSsh(page, sshd);
  const m2 = marker('ssh');
  await typeLine(page, `echo ${m2} $((7*8))`);
  await expectOutput(page, ssh.key, new RegExp(`${m2} 56`));
  const sessionsBefore = (await tabs(page)).map((t) => t.sessionId).sort();

  // Leaving the page with live sessions asks (beforeunload); accepting reloads.
  const asked: string[] = [];
  page.on('dialog', (d) => {
    asked.push(d.type());
    void d.accept();
  });
  await page.reload();
  await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'open');
  await page.waitForFunction(() => window.__droverTerminals !== undefined);
  expect(asked).toContain('beforeunload');

  await expect.poll(async () => (await tabs(page)).map((t) => t.status), { timeout: 15_000 }).toEqual(['running', 'running']);
  const after = await tabs(page);
  expect(after.map((t) => t.sessionId).sort()).toEqual(sessionsBefore);
  const [l, s] = after;
  expect(l).toMatchObject({ kind: 'local', name: 'build box' });
  expect(s).toMatchObject({ kind: 'ssh', label: expect.stringContaining(`${sshd.user}@${sshd.host}:${sshd.port}`) });
  await expect(page.getByTestId(`terminal-tab-${l!.key}`)).toContainText('build box');
  await expect(page.getByTestId(`terminal-tab-${s!.key}`)).toContainText(`${sshd.user}@${sshd.host}:${sshd.port}`);
  await expectOutput(page, l!.key, new RegExp(`${m1} 42`));
  await expectOutput(page, s!.key, new RegExp(`${m2} 56`));

  // The sessions are live, not a picture: typing into the SSH tab runs on the host.
  await page.getByTestId(`terminal-tab-${s!.key}`).click();
  const m3 = marker('again');
  await typeLine(page, `echo ${m3} $((8*9))`);
  await expectOutput(page, s!.key, new RegExp(`${m3} 72`));
  await page.screenshot({ path: test.info().outputPath('terminal-after-reload.png') });

  await closeAllTabs(page);
  expect(pageErrors).toEqual([]);
});

test('closing a tab with a running job asks and names it; at the prompt it closes at once; duplicate opens the same host', async ({ page, drover, pageErrors }) => {
  await openTerminalPage(page, drover);
  const local = await openLocal(page);
  await typeLine(page, 'sleep 300');
  await page.getByTestId(`terminal-tab-close-${local.key}`).click();
  const busy = page.getByTestId('terminal-close-busy');
  await expect(busy).toBeVisible();
  await expect(busy).toHaveAttribute('data-busy', 'yes');
  await expect(busy).toContainText('sleep is still running');
  await page.screenshot({ path: test.info().outputPath('terminal-close-busy.png') });
  await page.getByTestId('terminal-close-keep').click();
  await expect(busy).toBeHidden();
  expect((await tabs(page)).map((t) => t.key)).toEqual([local.key]);

  // SSH: the same question, found out on the host.
  const ssh = await openSsh(page, sshd);
  await typeLine(page, 'sleep 300');
  await page.getByTestId(`terminal-tab-close-${ssh.key}`).click();
  await expect(busy).toBeVisible();
  await expect(busy).toContainText('sleep is still running');
  await page.getByTestId('terminal-close-confirm').click();
  await expect.poll(async () => (await tabs(page)).map((t) => t.key)).toEqual([local.key]);

  // Duplicate from the tab's menu (right click): a second session on the same target.
  await page.getByTestId(`terminal-tab-${local.key}`).click({ button: 'right' });
  await page.getByTestId('terminal-tab-duplicate').click();
  await expect.poll(async () => (await tabs(page)).length).toBe(2);
  const dup = await waitRunning(page);
  expect(dup.kind).toBe('local');
  expect(dup.sessionId).not.toBe(local.sessionId);
  // At its prompt: closes without a question.
  await page.getByTestId(`terminal-tab-close-${dup.key}`).click();
  await expect.poll(async () => (await tabs(page)).length).toBe(1);
  await expect(busy).toBeHidden();

  // Alt+digit goes to the app even from inside the terminal (Alt+1: Tunnels).
  await page.getByTestId(`terminal-tab-${local.key}`).click();
  await terminalInput(page).focus();
  await page.keyboard.press('Alt+1');
  await expect(page).toHaveURL(/#\/tunnels/);
  await page.keyboard.press('Alt+2');
  await expect(page).toHaveURL(/#\/terminal/);

  await closeAllTabs(page);
  expect(pageErrors).toEqual([]);
});

test('a console restarted on another port: the old page says so plainly and stops retrying', async ({ page, pageErrors }) => {
  const first = await startDrover();
  let second: DroverServer | undefined;
  let firstStopped = false;
  try {
    await page.goto(`${first.url}#/terminal`);
    await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'open');
    await first.stop();
    firstStopped = true;
    second = await startDrover();
    expect(second.port).not.toBe(first.port);
    const banner = page.getByTestId('connection-banner');
    await expect(banner).toContainText('This console was restarted or stopped', { timeout: 40_000 });
    await expect(banner).toContainText('open the new URL printed by `npm start`');
    await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'closed');
    await page.screenshot({ path: test.info().outputPath('console-restarted.png') });
    // The new console works at its own URL.
    await page.goto(`${second.url}#/terminal`);
    await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'open');
  } finally {
    await second?.stop();
    if (!firstStopped) await first.stop();
  }
  // The old page's failed WebSocket dials are console errors of the browser itself, not the app's.
  expect(pageErrors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e))).toEqual([]);
});

test('split: two panes side by side, each typing into its own shell; keyboard moves the focus and a tab across', async ({ page, drover, pageErrors }) => {
  await openTerminalPage(page, drover);
  // The front tab (the last opened) stays left; the other one goes right and takes the focus.
  const b = await openLocal(page);
  let a = await openLocal(page);
  await page.getByTestId('terminal-split-toggle').click();
  await expect(page.getByTestId('terminal-split')).toBeVisible();
  const left = page.getByTestId('terminal-column-left');
  const right = page.getByTestId('terminal-column-right');
  await expect(right.getByTestId(`terminal-tab-${b.key}`)).toBeVisible();
  await expect(left.getByTestId(`terminal-tab-${a.key}`)).toBeVisible();
  // Both terminals are on screen at once.
  await expect(page.getByTestId(`terminal-pane-${a.key}`)).toBeVisible();
  await expect(page.getByTestId(`terminal-pane-${b.key}`)).toBeVisible();
  await expect(right).toHaveAttribute('data-focused', 'true');

  const mb = marker('right');
  // (a is left, b is right)
  await page.keyboard.type(`echo ${mb}`);
  await page.keyboard.press('Enter');
  await expectOutput(page, b.key, new RegExp(`${mb}\\r?\\n`));
  // Ctrl+Shift+Left: the left pane takes the keyboard.
  await page.keyboard.press('Control+Shift+ArrowLeft');
  await expect(left).toHaveAttribute('data-focused', 'true');
  const ma = marker('left');
  await page.keyboard.type(`echo ${ma}`);
  await page.keyboard.press('Enter');
  await expectOutput(page, a.key, new RegExp(`${ma}\\r?\\n`));
  expect(await text(page, b.key)).not.toContain(ma);
  await page.screenshot({ path: test.info().outputPath('terminal-split.png') });

  // A reload lays the same sessions out the same way (the tabs have new keys; the layout is kept
  // by session id): b on the right, a on the left with the keyboard.
  const sessionOf = async (key: string) => (await tabs(page)).find((t) => t.key === key)!.sessionId;
  const [sa, sb] = [await sessionOf(a.key), await sessionOf(b.key)];
  page.once('dialog', (d) => void d.accept());
  await page.reload();
  await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-status', 'open');
  await page.waitForFunction(() => window.__droverTerminals !== undefined);
  await expect.poll(async () => (await tabs(page)).map((t) => t.status), { timeout: 15_000 }).toEqual(['running', 'running']);
  const back = await tabs(page);
  const keyOf = (sid: string | null) => back.find((t) => t.sessionId === sid)!.key;
  await expect(page.getByTestId('terminal-split')).toBeVisible();
  await expect(right.getByTestId(`terminal-tab-${keyOf(sb)}`)).toBeVisible();
  await expect(left.getByTestId(`terminal-tab-${keyOf(sa)}`)).toBeVisible();
  await expect(left).toHaveAttribute('data-focused', 'true');
  a = { ...a, key: keyOf(sa) };
  await left.locator('.drover-term-pane.is-active .xterm-helper-textarea').focus();

  // Ctrl+Shift+M moves the focused tab to the other pane; the left pane is then empty.
  await page.keyboard.press('Control+Shift+M');
  await expect(right.getByTestId(`terminal-tab-${a.key}`)).toBeVisible();
  await expect(page.getByTestId('terminal-column-empty-left')).toBeVisible();
  await page.getByTestId('terminal-split-toggle').click();
  await expect(page.getByTestId('terminal-split')).toBeHidden();
  expect((await tabs(page)).length).toBe(2);

  await closeAllTabs(page);
  expect(pageErrors).toEqual([]);
});
