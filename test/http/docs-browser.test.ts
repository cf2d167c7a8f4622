// /docs in a real browser (playwright-core driving Debian's Chromium): the page
// shows the server's name and version, Authorize with a client id and secret
// gets a token from /auth/v1/token (HTTP Basic, as Swagger UI sends it), and
// "Try it out" on GET /api/v1/apps answers 200 with the app list.
// Outside CI the test is skipped, saying so, when /usr/bin/chromium is absent
// (apt-get install -y chromium); in CI (CI set) it always runs.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverInfo } from '../../src/http/docs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && !process.env.CI;
const SKIPPED = `BROWSER TEST SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium); it always runs when CI is set`;

describe('the API reference at /docs in Chromium', () => {
  let s: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    if (skip) return;
    s = await startServer('pglite');
    // --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  (skip ? it.skip : it)(skip ? SKIPPED : 'authorizes with a client id and secret and runs GET /api/v1/apps', async () => {
    const name = `Docs browser app ${Date.now()}`;
    expect((await s.admin.post('/api/v1/apps', { displayName: name })).status).toBe(200);
    // A client of the suite's own tenant: the app list it sees is this test's alone.
    const creds = await s.core.services.clients.create(s.admin.tenant, 'docs browser', 'admin');
    // A port in the client id puts a ":" in what Swagger UI sends unencoded.
    expect(creds.clientId).toContain(':');

    const page = await browser.newPage();
    await page.goto(`${s.url}/docs`);

    // The server's name and version, not Swagger's logo.
    expect(await page.title()).toBe(`Gatehouse ${serverInfo.version}: API reference`);
    const logo = page.locator('.topbar a img');
    await logo.waitFor();
    const src = (await logo.getAttribute('src')) ?? '';
    expect(src.startsWith('data:image/svg+xml;base64,')).toBe(true);
    const svg = Buffer.from(src.split(',')[1], 'base64').toString('utf8');
    expect(svg).toContain('>Gatehouse<');
    expect(svg).toContain(`>v${serverInfo.version}<`);
    expect(await page.locator('.info .title').textContent()).toContain('Gatehouse');

    await page.locator('button.authorize').first().click();
    await page.fill('#client_id_clientCredentials', creds.clientId);
    await page.fill('#client_secret_clientCredentials', creds.clientSecret);
    const [token] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/v1/token'),
      page.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click(),
    ]);
    expect(token.request().headers().authorization, 'Swagger UI sends the credentials as HTTP Basic').toMatch(/^Basic /);
    expect(token.status(), await token.text()).toBe(200);
    await page.locator('.auth-container').getByText('Authorized').waitFor();
    await page.locator('.modal-ux button.close-modal').click();

    // Tags start closed (docExpansion 'none'): open C1's "App" tag.
    await page.locator('#operations-tag-App').click();
    const op = page.locator('.opblock-get').filter({ has: page.locator('.opblock-summary-path[data-path="/api/v1/apps"]') });
    await op.locator('.opblock-summary').first().click();
    await op.getByRole('button', { name: 'Try it out' }).click();
    await op.getByRole('button', { name: 'Execute' }).click();
    const live = op.locator('.live-responses-table');
    await live.waitFor();
    expect((await live.locator('tr.response .response-col_status').first().textContent())?.trim()).toBe('200');
    const body = JSON.parse(
      (await live.locator('tr.response .response-col_description pre.microlight').first().textContent()) ?? '',
    );
    expect(body.list.map((a: { displayName: string }) => a.displayName)).toContain(name);
    expect(body).toHaveProperty('nextPageToken');
  });
});
