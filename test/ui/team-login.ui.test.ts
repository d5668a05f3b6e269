import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../electron/core/db/open';
import { startUiServer } from '../../electron/core/host/ui-server';
import { AccountStore } from '../../electron/core/team/accounts';
import { launchBrowser, screenshot } from '../helpers/browser';
import { REPO_ROOT, tempDir, testCore } from '../helpers/workspace';

const RENDERER = process.env.DATANET_STUDIO_RENDERER ?? join(REPO_ROOT, 'out/renderer');

test('a team server page signs in first, then opens the app over its session', async (t) => {
  const core = testCore(t);
  const db = openDatabase(core.paths.db);
  t.after(() => db.close());
  const accounts = new AccountStore(db, { N: 2 ** 10, r: 8, p: 1 });
  await accounts.add({ name: 'olivia', role: 'owner', password: 'correct horse battery' });
  const dir = tempDir(t);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const server = await startUiServer({
    core,
    rendererDir: RENDERER,
    team: { host: '127.0.0.1', publicNames: ['localhost'], tls: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) }, accounts },
  });
  t.after(() => server.close());

  const browser = await launchBrowser(t);
  const context = await browser.newContext({ viewport: { width: 1360, height: 820 }, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // The refused sign-in is a 401 the browser reports itself.
    if (m.type() === 'error' && !/401/.test(m.text())) errors.push(m.text());
  });
  await page.goto(server.url);
  await page.getByRole('heading', { name: 'Datanet Studio' }).waitFor();
  await page.getByLabel('Name').fill('olivia');
  await page.getByLabel('Password').fill('wrong password!');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong name or password.' }).waitFor();
  await page.getByLabel('Password').fill('correct horse battery');
  await screenshot(page, 'team-login');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'No datanets yet' }).waitFor();
  assert.doesNotMatch(page.url(), /token/);
  assert.deepEqual(errors, []);
});

test('the single-user serve page still opens straight into the app with its launch token', async (t) => {
  const server = await startUiServer({ core: testCore(t), rendererDir: RENDERER });
  t.after(() => server.close());
  const browser = await launchBrowser(t);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.openUrl);
  await page.getByRole('heading', { name: 'No datanets yet' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Sign in' }).count(), 0);
  assert.deepEqual(errors, []);
});
