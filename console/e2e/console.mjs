// The web console in Debian's Chromium through playwright-core, against a running local cloud with seeded files.
// Run by client/src/test/java/dev/chunkvault/it/ConsoleBrowserIT.java, which seeds the files and checks the results
// through the SDK. Env: CONSOLE_URL, CHROMIUM, E2E_USER, REWIND_TO (ISO instant), MANY, XSS_NAME, SCREENSHOTS.
// Exit code 0 when every step passed; a failing step leaves a screenshot named after it.
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = (k, d) => process.env[k] ?? d;
const base = env('CONSOLE_URL', 'http://127.0.0.1:4750').replace(/\/$/, '');
const user = env('E2E_USER', 'e2e-user');
const many = Number(env('MANY', '2000'));
const xssName = env('XSS_NAME', '<img src=x onerror=window.__xss=1>.txt');
const shots = env('SCREENSHOTS', join(process.cwd(), 'target', 'console-screenshots'));
mkdirSync(shots, { recursive: true });

const userDataDir = mkdtempSync(join(tmpdir(), 'chunkvault-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: env('CHROMIUM', '/usr/bin/chromium'),
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 800 },
  timezoneId: 'UTC',
  locale: 'en-GB',
});
context.setDefaultTimeout(15_000);
const page = context.pages()[0] ?? await context.newPage();
const problems = [];
page.on('console', (m) => {
  if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(`console: ${m.text()}`);
});
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

let n = 0;
async function shot(name) {
  n++;
  await page.screenshot({ path: join(shots, `${String(n).padStart(2, '0')}-${name}.png`), fullPage: false });
}
function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
}
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    console.log(`PASS ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    console.log(`FAIL ${name}: ${e.stack ?? e}`);
    await page.screenshot({ path: join(shots, `FAILED-${name.replace(/\W+/g, '-')}.png`) }).catch(() => {});
    throw e;
  }
}
const list = () => page.getByRole('listbox');
const row = (name) => list().getByRole('option').filter({ has: page.locator('.label', { hasText: name }) }).first();
const labels = () => list().locator('[role=option] .label').allTextContents();
async function waitLoaded() {
  await page.locator('.count').filter({ hasText: /\d+ items?$/ }).waitFor();
}
async function signInForm() {
  await page.waitForURL(/\/oauth2\/authorize/);
  await page.locator('input[name=username]').fill(user);
  await shot('local-sign-in-page');
  await page.getByRole('button', { name: 'Sign in' }).click();
}

let code = 0;
try {
  await step('sign in with PKCE through the local issuer', async () => {
    await page.goto(base + '/');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await shot('signed-out');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await signInForm();
    await page.waitForURL(`${base}/files/`);
    await waitLoaded();
    check(await page.locator('.user').textContent() === user, 'the user name is shown');
    const stored = await page.evaluate(() => ({ s: sessionStorage.getItem('chunkvault.session'), l: localStorage.length }));
    check(stored.s && stored.l === 0, 'the token is in sessionStorage, nothing in localStorage');
    await shot('root');
  });

  await step('browse: a folder, its marks, and a name with HTML in it shown as text', async () => {
    check(JSON.stringify(await labels()) === JSON.stringify(['docs', 'many', 'rw', 'big.bin']), `root rows ${await labels()}`);
    await row('docs').click();
    await page.waitForURL(`${base}/files/docs`);
    await waitLoaded();
    const crumbs = await page.getByRole('navigation', { name: 'Breadcrumb' }).textContent();
    check(crumbs.includes('All files') && crumbs.includes('docs'), `breadcrumbs ${crumbs}`);
    await row(xssName).waitFor();
    check((await row(xssName).locator('.label').textContent()) === xssName, 'the name is its text');
    check(await list().locator('img').count() === 0, 'no <img> element in the list');
    check(await page.evaluate(() => window.__xss) === undefined, 'no script of the name ran');
    check(await row('report (conflicted copy').locator('.badge.conflict').textContent() === 'conflicted copy', 'conflicted copy marked');
    check(await row('Readme (Case Conflict)').locator('.badge.conflict').textContent() === 'case conflict', 'case conflict marked');
    check(await row('notes.txt').locator('.badge').count() === 0, 'an ordinary name is not marked');
    await shot('docs');
  });

  await step('sort by name, size and modified; filter by name', async () => {
    const asc = await labels();
    check(asc[0] === 'archive', `folders first: ${asc}`);
    await page.getByRole('button', { name: /^Sort by name/ }).click();
    const desc = await labels();
    check(desc[0] === 'archive' && JSON.stringify(desc.slice(1)) === JSON.stringify(asc.slice(1).reverse()), `name descending: ${desc}`);
    await page.getByRole('button', { name: /^Sort by size/ }).click();
    const bySize = await labels();
    check(bySize[bySize.length - 1] === 'notes.txt', `largest last: ${bySize}`);
    await page.getByRole('button', { name: /^Sort by size/ }).click();
    check((await labels())[1] === 'notes.txt', 'largest first when descending');
    await page.getByRole('button', { name: /^Sort by modified/ }).click();
    check((await labels()).length === asc.length, 'sorted by time');
    await page.getByLabel('Filter by name').fill('NOTE');
    check(JSON.stringify(await labels()) === '["notes.txt"]', `filtered: ${await labels()}`);
    await shot('filtered');
    await page.getByLabel('Filter by name').fill('');
  });

  await step('breadcrumbs lead back up', async () => {
    await row('archive').click();
    await page.waitForURL(`${base}/files/docs/archive`);
    await waitLoaded();
    check(JSON.stringify(await labels()) === '["old.txt"]', 'archive lists old.txt');
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'docs' }).click();
    await page.waitForURL(`${base}/files/docs`);
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'All files' }).waitFor();
  });

  await step(`a folder of ${many} entries is paged in and drawn virtually`, async () => {
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'All files' }).click();
    await waitLoaded();
    await row('many').click();
    await page.locator('.count').filter({ hasText: `${many} items` }).waitFor({ timeout: 30_000 });
    const drawn = await list().getByRole('option').count();
    check(drawn > 10 && drawn < 100, `only the rows in view are in the DOM (${drawn})`);
    await list().focus();
    await page.keyboard.press('End');
    const last = `file-${String(many - 1).padStart(5, '0')}.txt`;
    await row(last).waitFor();
    check(await list().getByRole('option', { selected: true }).locator('.label').textContent() === last, 'End selects the last row');
    await shot('many-end');
  });

  await step('history: restore an old version', async () => {
    await page.goto(`${base}/file/docs/notes.txt`);
    await page.getByRole('heading', { name: 'notes.txt' }).waitFor();
    const rows = page.locator('table.history tbody tr');
    await rows.nth(1).waitFor();
    check(await rows.count() === 2, 'two versions');
    await shot('history-before');
    await page.getByRole('button', { name: /^Restore the version of/ }).click();
    await page.getByRole('status').filter({ hasText: 'Restored the version' }).waitFor();
    await rows.nth(2).waitFor();
    check(await rows.count() === 3, 'a restore is a new version');
    await shot('history-restored');
  });

  await step('delete a file, find it in the trash, undelete it', async () => {
    await page.goto(`${base}/files/docs`);
    await waitLoaded();
    await row('todo.txt').click();
    await page.getByRole('heading', { name: 'todo.txt' }).waitFor();
    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.waitForFunction(() => document.activeElement?.textContent === 'Cancel');
    await shot('delete-confirm');
    await page.getByRole('group', { name: 'Confirm delete' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted.' }).waitFor();
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Trash' }).click();
    await page.waitForURL(`${base}/trash/docs`);
    await waitLoaded();
    check(JSON.stringify(await labels()) === '["archive","todo.txt"]', `trash lists ${await labels()}`);
    await shot('trash');
    await row('todo.txt').click();
    await page.getByRole('button', { name: 'Undelete' }).click();
    await page.getByRole('status').filter({ hasText: 'Undeleted' }).waitFor();
    await page.getByRole('button', { name: 'Delete…' }).waitFor();
    await shot('undeleted');
  });

  await step('rewind a folder: dry run, then apply', async () => {
    await page.goto(`${base}/files/rw`);
    await waitLoaded();
    await page.getByRole('link', { name: 'Rewind this folder…' }).click();
    await page.waitForURL(`${base}/rewind/rw`);
    const local = await page.evaluate((iso) => {
      const d = new Date(iso);
      const p = (x) => String(x).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    }, env('REWIND_TO'));
    await page.getByLabel('Rewind to').fill(local);
    await page.getByRole('button', { name: 'Preview changes' }).click();
    const plan = page.getByRole('region', { name: 'Dry run' });
    await plan.waitFor();
    const text = await plan.textContent();
    check(text.includes('2 files would change'), `dry run: ${text}`);
    check(/rw\/a\.txt\s*restore\s*planned/.test(text) && /rw\/b\.txt\s*delete\s*planned/.test(text), `planned changes: ${text}`);
    await shot('rewind-dry-run');
    await page.getByRole('button', { name: 'Rewind 2 files' }).click();
    const done = page.getByRole('region', { name: 'Rewind result' });
    await done.waitFor();
    check((await done.textContent()).includes('Rewound: 2 changed, 0 skipped'), `rewound: ${await done.textContent()}`);
    await shot('rewind-done');
  });

  await step('keyboard only: tab to the list, arrows, Enter, Backspace', async () => {
    await page.goto(`${base}/files/`);
    await waitLoaded();
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.getAttribute('role') === 'listbox');
    }
    check(reached, 'Tab reaches the file list');
    await page.keyboard.press('ArrowDown'); // focus selected row 0 (docs); move to 'many' and back
    await page.keyboard.press('ArrowUp');
    check(await list().getByRole('option', { selected: true }).locator('.label').textContent() === 'docs', 'docs is selected');
    await shot('keyboard-list');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/files/docs`);
    await waitLoaded();
    await list().focus();
    for (let i = 0; i < 10; i++) {
      if (await list().getByRole('option', { selected: true }).locator('.label').textContent() === 'notes.txt') break;
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'notes.txt' }).waitFor();
    await page.goBack();
    await page.waitForURL(`${base}/files/docs`);
    await waitLoaded();
    await list().focus();
    await page.keyboard.press('Backspace');
    await page.waitForURL(`${base}/files/`);
  });

  await step('a dead session signs in again and comes back to the same folder', async () => {
    await page.goto(`${base}/files/docs/archive`);
    await waitLoaded();
    await page.evaluate(() => {
      const s = JSON.parse(sessionStorage.getItem('chunkvault.session'));
      sessionStorage.setItem('chunkvault.session', JSON.stringify({ ...s, accessToken: 'eyJhbGciOiJSUzI1NiJ9.e30.expired' }));
    });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await signInForm();
    await page.waitForURL(`${base}/files/docs/archive`);
    await waitLoaded();
    check(JSON.stringify(await labels()) === '["old.txt"]', 'back in archive');
    await shot('back-after-sign-in');
  });

  await step('an expired session signs in again on load and comes back', async () => {
    await page.goto(`${base}/trash/docs`);
    await waitLoaded();
    await page.evaluate(() => {
      const s = JSON.parse(sessionStorage.getItem('chunkvault.session'));
      sessionStorage.setItem('chunkvault.session', JSON.stringify({ ...s, expiresAt: Date.now() - 1000 }));
    });
    await page.reload();
    await signInForm();
    await page.waitForURL(`${base}/trash/docs`);
    await waitLoaded();
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByText('Trash').waitFor();
  });

  await step('usage and quota', async () => {
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByText(/ used/).waitFor();
    await shot('usage');
  });

  await step('sign out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    check(await page.evaluate(() => sessionStorage.getItem('chunkvault.session')) === null, 'the token is gone');
  });

  await step('no CSP violation, script error or console error', async () => {
    check(problems.length === 0, problems.join('\n'));
  });
} catch {
  code = 1;
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(code);
