/**
 * Issue 20 item 5: the console as ES modules. In Chromium, the Accounts view offers the roles the
 * server answers in /auth/me (no copy of them in the console), and every view loads its modules and
 * renders with no script error and no policy violation.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { launchBrowser } from '../support/browser.ts';
import { ADMIN_ROLES } from '../../src/accounts/models.ts';
import { listenGateway, startTestGateway } from '../support/gateway.ts';
import { dropDatabase, makeAccount, PASSWORD } from './support.ts';
import { accountModels } from '../../src/accounts/models.ts';

let gateway: Gateway;
let served: Awaited<ReturnType<typeof listenGateway>>;
let browser: Browser;

beforeAll(async () => {
  gateway = await startTestGateway();
  await makeAccount(gateway, 'admin');
  served = await listenGateway(gateway);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
  await dropDatabase(gateway);
  await gateway.stop();
});

/**
 * A page signed in as the admin, collecting script errors and console errors from then on (before,
 * the first /auth/me is refused with 401, as it should be).
 */
async function adminPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  await page.goto(`${served.url}/admin/`);
  await page.fill('#login-email', 'admin@example.test');
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#nav:not([hidden])');
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return { page, errors };
}

describe('the console as modules', () => {
  it('offers the roles the server knows, and creates an account and a token with them', async () => {
    const { page, errors } = await adminPage();
    await page.goto(`${served.url}/admin/#/accounts`);
    const forms = page.locator('main form.inline');
    await forms.first().waitFor();
    const options = (form: number) =>
      forms
        .nth(form)
        .locator('select option')
        .evaluateAll((els) => els.map((el) => (el as HTMLOptionElement).value));
    expect(await options(0)).toEqual([...ADMIN_ROLES]);
    expect(await options(1)).toEqual([...ADMIN_ROLES]);

    const account = forms.nth(0);
    await account.locator('input[type=email]').fill('sam@example.test');
    await account.locator('input[placeholder="display name"]').fill('Sam Supervisor');
    await account.locator('input[type=password]').fill(PASSWORD);
    await account.locator('select').selectOption('supervisor');
    await account.locator('button[type=submit]').click();
    await page.waitForSelector('main td:text-is("sam@example.test")');
    const created = await accountModels(gateway.pool.models)
      .Account.findById('sam@example.test')
      .lean();
    expect(created?.role).toBe('supervisor');

    const token = page.locator('main form.inline').nth(1);
    await token.locator('input[placeholder="token name"]').fill('reporting');
    await token.locator('select').selectOption('agent');
    await token.locator('button[type=submit]').click();
    await page.waitForSelector('main p.muted:text-matches("Token \\\\(shown once\\\\): sbt_")');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('renders every view in the navigation with no script error and no policy violation', async () => {
    const { page, errors } = await adminPage();
    const views = await page
      .locator('#nav a:not([hidden])')
      .evaluateAll((els) => els.map((el) => el.getAttribute('href') ?? ''));
    expect(views.length).toBeGreaterThanOrEqual(8);
    for (const view of views) {
      await page.goto(`${served.url}/admin/${view}`);
      await page.waitForSelector(`#nav a.active[href="${view}"]`);
      await page.waitForFunction(
        () => !document.querySelector('main')?.textContent?.includes('Loading…'),
      );
      expect(await page.locator('main .card').count(), view).toBeGreaterThan(0);
    }
    expect(errors).toEqual([]);
    await page.close();
  });
});
