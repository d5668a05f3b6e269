import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './workspace';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO_ROOT, 'test-output', 'screenshots');

/** Debian's Chromium, headless, with nothing reaching beyond this machine. */
export async function launchBrowser(t: TestContext): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}. Install it (apt-get install chromium) or set CHROMIUM_PATH.`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
  t.after(() => browser.close());
  return browser;
}

export async function newPage(browser: Browser, t: TestContext): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 820 }, colorScheme: 'light' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  t.after(() => {
    if (errors.length) throw new Error(`The page logged errors:\n${errors.join('\n')}`);
  });
  return page;
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

export interface ServeProcess {
  openUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the real `serve` command on a workspace and waits for the address it prints. */
export function startServe(workspace: string, t: TestContext): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/core/bin/serve.ts'), '--workspace', workspace], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      // A child killed by a signal has no exit code, only a signal code.
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  t.after(stop);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not print its address in 30 s:\n${out}`)), 30_000);
    child.stderr.on('data', (d: Buffer) => (out += String(d)));
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      const m = /open:\s+(http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ openUrl: m[1]!, process: child, stop });
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });
}

/** Polls until `condition` holds, failing with `what` after the timeout. */
export async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Approves the wallet's pending request in its dialog after checking that the decoded summary
 * matches `expected` (typing the wallet password when it asks); returns the summary text.
 */
export async function approveInWallet(page: Page, o: { expected: RegExp; password: string; kind?: 'transaction' | 'signature' }): Promise<string> {
  const dialog = page.getByRole('dialog', { name: `Approve a ${o.kind ?? 'transaction'}?` });
  await dialog.waitFor({ timeout: 60_000 });
  const summary = await dialog.getByTestId('request-summary').innerText();
  assert.match(summary, o.expected);
  const password = dialog.getByLabel('Wallet password');
  if (await password.isVisible()) await password.fill(o.password);
  await dialog.getByRole('button', { name: 'Approve' }).click();
  // Gone, or already showing the next request of the same job.
  const shown = page.getByTestId('request-summary');
  await until(async () => (await shown.count()) === 0 || (await shown.innerText().catch(() => '')) !== summary, 'the approved request leaves the dialog');
  return summary;
}

/** Chromium on the app as served from `workspace` by the real `serve` command, opened with its launch token. */
export async function openApp(t: TestContext, workspace: string): Promise<{ browser: Browser; serve: ServeProcess; page: Page }> {
  const browser = await launchBrowser(t);
  const serve = await startServe(workspace, t);
  const page = await newPage(browser, t);
  await page.goto(serve.openUrl);
  return { browser, serve, page };
}
