import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Browser, Page, Request, chromium } from 'playwright-core';
import {
  GatewayProcesses,
  KAYNKO_EXAMPLES,
  Receiver,
  call,
  howAnswerBreaksSpec,
  isAdminApiCall,
  rememberSecret,
  sendKaynko,
} from '@gateway/testing';

const ROOT = join(__dirname, '../..');
/** `UPDATE_SCREENSHOTS=1 npm test -- test/e2e/console` refreshes the pictures in docs/screenshots (and README). */
const SHOTS = join(ROOT, process.env['UPDATE_SCREENSHOTS'] ? 'docs/screenshots' : 'tmp/screenshots');
const SECRET = 'console-shop-secret';

/**
 * The web console in a real browser (Debian's Chromium, driven by playwright-core) against the real stack: what a
 * merchant does in "Settings → Integrations" and what an operator does in the delivery cockpit.
 */
describe('web console (Chromium against four processes, real Kafka and Postgres)', () => {
  jest.setTimeout(180_000);
  const gateway = new GatewayProcesses();
  const receiver = new Receiver();
  let browser: Browser;
  let page: Page;
  let key: string;
  let admin: string;
  const consoleErrors: string[] = [];
  /** The ids of the events the later tests send (a sale's receipt number → its event id). */
  const sales: Record<string, string> = {};
  /** The receiver's usual answer (200), put back after an outage. */
  const healthy = receiver.behaviour;
  /** Every admin API answer the console received, checked against the OpenAPI document as it arrives. */
  const browserAnswers: Array<Promise<string | null>> = [];
  /** Answers whose body the browser had dropped before it could be read (the console navigated away first). */
  let unreadAnswers = 0;

  beforeAll(async () => {
    await Promise.all([gateway.start(), receiver.start()]);
    admin = gateway.url('admin-api');
    ({ key } = await gateway.tenantWithKey('Mama Njeri Supermarket'));
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    // A Nairobi shop's browser: pages print their times in its zone (GMT+3), and amounts as en-US writes them.
    const context = await browser.newContext({
      viewport: { width: 1180, height: 820 },
      locale: 'en-US',
      timezoneId: 'Africa/Nairobi',
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: admin });
    // Requests whose answer arrived whole; one the console gave up on (it left the page) has no answer to check.
    context.on('requestfinished', (request) => {
      if (isAdminApiCall(request.url())) browserAnswers.push(answerBreaksSpec(request));
    });
    page = await context.newPage();
    page.on('console', (message) => {
      // The 401 and 400 the tests provoke on purpose (a key that stops working, a mistake in a form) are logged by the
      // browser as failed resources, and the console shows them itself; anything else is a bug.
      if (message.type() === 'error' && !/status of 40[01]/.test(message.text())) consoleErrors.push(message.text());
    });
    page.on('dialog', (dialog) => void dialog.accept());
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await gateway.stop();
    await receiver.stop();
  });

  async function answerBreaksSpec(request: Request): Promise<string | null> {
    const response = (await request.response())!;
    // The browser drops a body once its page navigates away; one the console left unread cannot be checked.
    const text = await response.text().catch((err: Error) => {
      if (!/navigated away|No resource with given identifier/.test(err.message)) throw err;
      unreadAnswers++;
      return null;
    });
    if (text === null) return null;
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    const [method, url, status, headers] = [request.method(), request.url(), response.status(), response.headers()];
    return howAnswerBreaksSpec({ method, url, status, headers, body });
  }

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  /** Opens a section from the navigation, and waits until the console shows it (not the page it leaves). */
  const section = async (name: string) => {
    const nav = page.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('link', { name }).click();
    await nav.locator('a[aria-current="page"]', { hasText: name }).waitFor();
  };
  /** Types into the list's search box and presses Enter, as a merchant looks for a receipt. */
  const search = async (text: string) => {
    await page.getByRole('searchbox', { name: 'Search' }).fill(text);
    await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
  };
  /** A Kaynko sale with its own sale id and receipt number, from Shop 1 (the deliveries test's source). */
  const sendSale = async (saleId: number, receiptNumber: string) => {
    const sources = (await call('GET', `${admin}/v1/sources?limit=100`, { key })).body.data as Array<{
      name: string;
      ingestUrl: string;
    }>;
    const shop = sources.find((s) => s.name === 'Shop 1')!;
    const sale = KAYNKO_EXAMPLES['sale.completed'];
    const body = JSON.stringify({ ...sale, data: { ...sale.data, saleId, receiptNumber } });
    const accepted = await sendKaynko(shop.ingestUrl, SECRET, body);
    expect(accepted.status).toBe(202);
    sales[receiptNumber] = accepted.body.id as string;
  };
  const overflows = () => page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth');

  it('is served under /console with a strict content security policy', async () => {
    const res = await fetch(`${admin}/console/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).toContain('<div id="root"></div>');
    // The production build serves no source map, and its bundle points to none.
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const bundle = await (await fetch(`${admin}${script}`)).text();
    expect(bundle).not.toContain('sourceMappingURL');
    expect((await fetch(`${admin}${script}.map`)).status).toBe(404);
  });

  it('serves the API reference at /docs under a content security policy, and it renders', async () => {
    const res = await fetch(`${admin}/docs`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const reference = await browser.newPage();
    const errors: string[] = [];
    reference.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    try {
      await reference.goto(`${admin}/docs`);
      await reference.getByText('POS Event Gateway — Admin API').first().waitFor();
      await reference.getByText('/v1/endpoints').first().waitFor();
      expect(errors).toEqual([]);
    } finally {
      await reference.close();
    }
  });

  it('signs in with an API key, explaining a wrong one, and never puts the key in the URL', async () => {
    await page.goto(`${admin}/console/`);
    await page.getByLabel('API key').fill('gw_live_this-is-not-a-key-0000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'was not accepted' }).waitFor();
    await shot('sign-in');
    await page.getByLabel('API key').fill(key);
    await page.keyboard.press('Enter'); // the form works from the keyboard
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    expect(page.url()).not.toContain(key);
    expect(await page.evaluate('sessionStorage.length')).toBe(1);
  });

  it('explains at sign-in that the operator key is not for the console, and does not sign in with it', async () => {
    // A tab of its own: its own session storage, and the 403 the check provokes on purpose allowed in its log.
    const tab = await page.context().newPage();
    const errors: string[] = [];
    tab.on('console', (m) => {
      // GET /v1/tenant refuses the operator key (403): that is how the sign-in tells it apart.
      if (m.type() === 'error' && !/status of 403/.test(m.text())) errors.push(m.text());
    });
    try {
      await tab.goto(`${admin}/console/`);
      await tab.getByLabel('API key').fill(gateway.operatorKey);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      const explained = tab.getByRole('alert').filter({ hasText: 'This is the operator key' });
      await explained.waitFor();
      const text = await explained.textContent();
      // What to do instead: a tenant API key, or a portal link.
      expect(text).toContain('POST /v1/tenants/{id}/api-keys');
      expect(text).toContain('POST /v1/portal-sessions');
      await tab.screenshot({ path: join(SHOTS, 'sign-in-operator.png'), fullPage: true });
      // Not signed in: still the sign-in form, the key neither kept nor left in the field, no section behind it.
      expect(await tab.evaluate('sessionStorage.length')).toBe(0);
      expect(await tab.getByLabel('API key').inputValue()).toBe('');
      expect(await tab.getByRole('navigation', { name: 'Sections' }).count()).toBe(0);
      expect(await tab.getByText('may not do this').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await tab.close();
    }
  });

  it('adds an endpoint, tests it, shows and rotates its secret', async () => {
    await page.getByRole('link', { name: 'Add endpoint' }).click();
    await page.getByLabel('Webhook URL').fill(receiver.url('/hook'));
    await page.locator('summary', { hasText: 'kaynko' }).click(); // opens the provider's group
    await page.getByRole('checkbox', { name: 'kaynko.sale.completed' }).check();
    await shot('endpoint-form');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(receiver.url('/hook')).waitFor();

    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Test delivered: 200' }).waitFor();
    expect(receiver.requests).toHaveLength(1);

    await page.getByRole('button', { name: 'Show' }).click();
    const before = await page.locator('code.secret').textContent();
    expect(before).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Rotate' }).click();
    await page.locator('code.secret').filter({ hasNotText: before! }).waitFor();
    const after = await page.locator('code.secret').textContent();
    expect(after).toMatch(/^whsec_/);
    expect(after).not.toBe(before);
    const { secret } = (await call('GET', `${admin}/v1/endpoints/${page.url().split('/').pop()}/secret`, { key })).body;
    expect(secret).toBe(after);
  });

  it("edits the endpoint's filter, naming a mistake by its path, and Test says the ping is filtered out", async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    const filter = page.getByLabel('Filter');
    await filter.fill('{"data.currency": ');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').filter({ hasText: 'The filter is not valid JSON' }).waitFor();
    await filter.fill('{"data.currency": {"$like": "US%"}}');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').locator('li', { hasText: 'filter["data.currency"].$like' }).waitFor();
    // Kaynko's example sale is in USD: the next test's sale still arrives.
    await filter.fill('{"data.currency": {"$in": ["USD", "KES"]}}');
    await page.getByLabel('Retry schedule').fill('10s, 1m');
    // Each sale's events one after another (the next test's sale, and its retry, go through its lane).
    await page.getByLabel('Order').selectOption('key');
    await page.getByLabel('Ordering key').fill('/data/saleId');
    await shot('endpoint-filter');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('filter').filter({ hasText: '{"data.currency":{"$in":["USD","KES"]}}' }).waitFor();
    expect(await page.getByTestId('retries').textContent()).toBe('10s, 1m');
    expect(await page.getByTestId('ordering').textContent()).toMatch(/^Delivered in order per \/data\/saleId/);

    const before = receiver.requests.length;
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: "Filtered out — the sample does not match the endpoint's filter" })
      .waitFor();
    expect(receiver.requests).toHaveLength(before);
  });

  it('shows a sale arriving in the recent deliveries, its attempts, and retries it', async () => {
    const source = await call('POST', `${admin}/v1/sources`, {
      key,
      body: { provider: 'kaynko', name: 'Shop 1', secret: SECRET },
    });
    await section('Deliveries');
    await page.getByRole('heading', { name: 'Recent deliveries' }).waitFor();

    const accepted = await sendKaynko(source.body.ingestUrl, SECRET, JSON.stringify(KAYNKO_EXAMPLES['sale.completed']));
    expect(accepted.status).toBe(202);
    // No click: the list refreshes by itself.
    const row = page.locator('li.row', { hasText: 'kaynko.sale.completed' });
    await row.filter({ hasText: 'succeeded' }).waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await shot('deliveries');

    await row.getByRole('link').click();
    await page.getByRole('heading', { name: 'Attempts' }).waitFor();
    await page.locator('ol.attempts li', { hasText: '#1' }).filter({ hasText: '200' }).waitFor();
    // The endpoint's own schedule (set in the test before), in force for this delivery.
    expect(await page.getByTestId('retry-schedule').textContent()).toBe('Retry schedule: 10s, 1m — attempt 1 of 3');
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.locator('ol.attempts li', { hasText: '#2' }).waitFor({ timeout: 15_000 });
    await shot('delivery');
    expect(receiver.requests.filter((r) => r.headers['webhook-id'] === accepted.body.id)).toHaveLength(2);
  });

  it('browses events with their payload, and shows the sources to paste into the providers', async () => {
    await section('Events');
    await page.getByTestId('retention').getByText('kept 30 days').waitFor();
    await page.locator('li.row', { hasText: 'kaynko.sale.completed' }).getByRole('link').click();
    await page.locator('pre.payload', { hasText: '"receiptNumber": "KNK-0042"' }).waitFor();
    await shot('event');
    await section('Events');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('events.csv');
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv.split('\n')[0]).toContain('type');
    expect(csv).toContain('kaynko.sale.completed');

    await section('Sources');
    const source = page.locator('li.row', { hasText: 'Shop 1' });
    await source.getByText('/v1/ingest/kaynko/').waitFor();
    await source.getByRole('button', { name: 'Copy URL' }).click();
    await source.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toContain('/v1/ingest/kaynko/src_');

    // A shop without a secret: the console says a secret is recommended, and issues a new token URL (shown once).
    await call('POST', `${admin}/v1/sources`, { key, body: { provider: 'kaynko', name: 'Till 2' } });
    await section('Events');
    await section('Sources');
    const till = page.locator('li.row', { hasText: 'Till 2' });
    await till.getByText('A secret is strongly recommended').waitFor();
    await till.getByRole('button', { name: 'New token URL' }).click();
    const tokenUrl = (await till.locator('code', { hasText: '?token=' }).textContent())!;
    const sent = await call('POST', tokenUrl, {
      rawBody: JSON.stringify(KAYNKO_EXAMPLES['sale.voided']),
      headers: { 'content-type': 'application/json', 'x-kaynko-event': 'sale.voided' },
    });
    expect(sent.status).toBe(202);
    await shot('sources');
  });

  it('replays the last hour to the endpoint and shows its progress to the end', async () => {
    await section('Replay');
    await page.getByTestId('retention').getByText('a replay reaches back to').waitFor();
    await page.getByRole('combobox', { name: /^Endpoint/ }).selectOption({ index: 1 });
    await page.getByRole('button', { name: 'Replay these events' }).click();
    await page.locator('.progress-frame', { hasText: 'completed' }).waitFor({ timeout: 30_000 });
    // `completed` says every delivery is scheduled; the bar fills as they finish (the page polls every second), which
    // can be a poll later.
    await page.locator('progress[value="1"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('progress').getAttribute('value')).toBe('1');
    await shot('replay');
    await section('Qerko');
    await page.getByRole('heading', { name: 'Qerko requests' }).waitFor();
    await page.getByText('Nothing here yet.').waitFor(); // this tenant has no Qerko source
  });

  it('shows endpoint health with a chart, readable on a phone, without layout shift', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    // Layout shifts while a page loads its data (browser-side code as text: no DOM types in this file).
    await page.evaluate(`window.shifts = 0;
      new PerformanceObserver((list) => list.getEntries().forEach((e) => (window.shifts += e.value)))
        .observe({ type: 'layout-shift' });`);
    const shiftsWhile = async (load: () => Promise<void>) => {
      await page.evaluate('window.shifts = 0');
      await load();
      await page.waitForTimeout(1000);
      return page.evaluate<number>('window.shifts');
    };
    await section('Endpoints');
    const endpointShift = await shiftsWhile(async () => {
      await page.locator('li.row').first().getByRole('link').click();
      await page.locator('.chart svg').waitFor();
    });
    await shot('endpoint-phone');
    const deliveriesShift = await shiftsWhile(async () => {
      await section('Deliveries');
      await page.locator('li.row', { hasText: 'kaynko.sale.completed' }).first().waitFor();
    });
    // "Good" cumulative layout shift is under 0.1.
    expect({ endpointShift, deliveriesShift }).toEqual({
      endpointShift: expect.any(Number),
      deliveriesShift: expect.any(Number),
    });
    expect(endpointShift).toBeLessThan(0.1);
    expect(deliveriesShift).toBeLessThan(0.1);
    const overflow = await page.evaluate('document.documentElement.scrollWidth > window.innerWidth');
    expect(overflow).toBe(false);
    await shot('deliveries-phone');
  });

  it('finds a sale by its receipt number, in events and in deliveries, with its total, payment method and time', async () => {
    await page.setViewportSize({ width: 1180, height: 820 });
    await sendSale(101, 'KNK-0101');
    await sendSale(102, 'KNK-0102');
    const seed = KAYNKO_EXAMPLES['sale.completed'].data;
    expect([seed.total, seed.currency, seed.paymentMethod]).toEqual([15.5, 'USD', 'cash']);

    await section('Events');
    await search('KNK-0101');
    await page.waitForURL(/#\/events\?q=KNK-0101$/);
    // Fan-out stores the event a moment after ingest accepted it: the list refreshes by itself. The line says what the
    // search found once its answer is shown (the list of before the search is never taken for it).
    await page
      .getByTestId('found')
      .getByText('1 event found for “KNK-0101”', { exact: true })
      .waitFor({ timeout: 15_000 });
    const event = page.locator('li.row', { hasText: 'KNK-0101' });
    expect(await page.locator('li.row').count()).toBe(1);
    expect(await event.innerText()).toMatch(/kaynko\.sale\.completed\s+Receipt KNK-0101\s+15\.50 USD\s+cash/);
    expect(await event.locator('time').getAttribute('title')).toMatch(/GMT\+3$/);
    // The search combines with the type filter (in the URL too), and says when nothing matches.
    await page.getByLabel('Event type').fill('kaynko.sale.voided');
    await page.getByLabel('Event type').press('Enter');
    await page.waitForURL(/#\/events\?q=KNK-0101&type=kaynko\.sale\.voided$/);
    await page.getByText('No event matches “KNK-0101” among kaynko.sale.voided.').waitFor();
    await page.getByLabel('Event type').fill('');
    await page.getByLabel('Event type').press('Enter');
    await page.waitForURL(/#\/events\?q=KNK-0101$/);
    await page.getByTestId('found').getByText('1 event found for “KNK-0101”', { exact: true }).waitFor();
    await event.waitFor();
    await shot('events-search');

    await section('Deliveries');
    await search('KNK-0101');
    await page.waitForURL(/#\/deliveries\?q=KNK-0101$/);
    // One endpoint subscribes to sales: one delivery.
    await page
      .getByTestId('found')
      .getByText('1 delivery found for “KNK-0101”', { exact: true })
      .waitFor({ timeout: 15_000 });
    const delivery = page.locator('li.row', { hasText: 'KNK-0101' });
    expect(await page.locator('li.row').count()).toBe(1);
    await delivery.filter({ hasText: 'succeeded' }).waitFor({ timeout: 15_000 });
    // Combined with the outcome filter.
    await page.getByLabel('Status').selectOption('failed');
    await page.waitForURL(/#\/deliveries\?q=KNK-0101&status=failed$/);
    await page.getByText('No delivery of an event matching “KNK-0101”.').waitFor();
    await page.getByLabel('Status').selectOption('succeeded');
    await page.waitForURL(/#\/deliveries\?q=KNK-0101&status=succeeded$/);
    await delivery.waitFor();
    expect(await delivery.innerText()).toMatch(/Receipt KNK-0101\s+15\.50 USD\s+cash/);
    expect(await delivery.innerText()).toContain(receiver.url('/hook'));
    expect(await delivery.locator('time').getAttribute('title')).toMatch(/GMT\+3$/);
    await shot('deliveries-search');
  });

  it('exports the sales it finds, and their line items, as files a spreadsheet opens', async () => {
    await section('Events');
    await search('KNK-0101');
    // The exports take the filters the list shows.
    await page.getByTestId('found').getByText('1 event found for “KNK-0101”', { exact: true }).waitFor();
    const saved = async (button: string) => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: button }).click(),
      ]);
      return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) };
    };
    const { items, ...fields } = { ...KAYNKO_EXAMPLES['sale.completed'].data, saleId: 101, receiptNumber: 'KNK-0101' };
    const text = (record: object) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, String(v)]));

    const salesFile = await saved('Export sales');
    expect(salesFile.name).toBe('sales.csv');
    expect([...salesFile.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM Excel needs for UTF-8
    expect(parse(salesFile.bytes.toString('utf8'), { bom: true, columns: true })).toEqual([
      {
        eventId: sales['KNK-0101'],
        receivedAt: expect.any(String),
        occurredAt: expect.any(String),
        sourceId: expect.stringMatching(/^src_/),
        ...text(fields),
        items: String(items.length),
      },
    ]);

    const itemsFile = await saved('Export line items');
    expect(itemsFile.name).toBe('sale-items.csv');
    expect(parse(itemsFile.bytes.toString('utf8'), { bom: true, columns: true })).toEqual(
      items.map((item, i) => ({
        eventId: sales['KNK-0101'],
        receiptNumber: 'KNK-0101',
        line: String(i + 1),
        ...text(item),
      })),
    );
  });

  it('says what became of a delivery that failed for good: its endpoint, "Exhausted", every time with its zone', async () => {
    // The accountant's receiver is down; each delivery to it is retried once, a second later (its own schedule).
    receiver.behaviour = (req, res) => {
      if (req.path === '/books') res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
      else void healthy(req, res);
    };
    const accountant = await call('POST', `${admin}/v1/endpoints`, {
      key,
      body: {
        url: receiver.url('/books'),
        name: 'Accountant',
        eventTypes: ['kaynko.sale.completed'],
        retrySchedule: ['1s'],
      },
    });
    expect(accountant.status).toBe(201);
    await sendSale(201, 'KNK-0201');
    await sendSale(202, 'KNK-0202');

    // The merchant opens the endpoint, then its failed deliveries.
    await section('Endpoints');
    await page.locator('li.row', { hasText: 'Accountant' }).getByRole('link').click();
    await page.getByRole('heading', { name: 'Accountant' }).waitFor();
    await page.getByRole('main').getByRole('link', { name: 'Deliveries', exact: true }).click();
    await page.getByLabel('Status').selectOption('failed');
    await page.waitForURL(/#\/deliveries\?endpointId=ep_\w+&status=failed$/);
    // Failed for good after the retry: the list refreshes by itself.
    for (const receipt of ['KNK-0201', 'KNK-0202'])
      await page.locator('li.row', { hasText: receipt }).filter({ hasText: 'failed' }).waitFor({ timeout: 20_000 });
    await page.locator('li.row', { hasText: 'KNK-0201' }).getByRole('link').click();

    await page.getByTestId('delivery-state').filter({ hasText: 'Exhausted: all 2 attempts failed' }).waitFor();
    await page.locator('header.bar .status', { hasText: 'exhausted' }).waitFor();
    const endpoint = page.getByTestId('delivery-endpoint');
    expect(await endpoint.getByRole('link').textContent()).toBe('Accountant');
    expect(await endpoint.textContent()).toContain(receiver.url('/books'));
    expect(await page.locator('main').innerText()).toMatch(/Receipt KNK-0201\s+15\.50 USD\s+cash/);
    // Times with their time zone (this browser's: Nairobi's).
    expect(await page.getByTestId('delivery-created').textContent()).toMatch(/^Created .*\d:\d\d:\d\d\s[AP]M GMT\+3$/);
    const attempts = await page.locator('ol.attempts > li').allInnerTexts();
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) expect(attempt).toMatch(/503[\s\S]*\d:\d\d:\d\d\s[AP]M GMT\+3/);
    await shot('delivery-failed');
  });

  it('recovers the deliveries that failed during the outage, and follows them to the end', async () => {
    // From the failed delivery to its endpoint, which says it is failing and offers to recover.
    await page.getByTestId('delivery-endpoint').getByRole('link', { name: 'Accountant' }).click();
    await page.getByRole('heading', { name: 'Accountant' }).waitFor();
    await page.locator('header.bar .status', { hasText: 'failing' }).waitFor();
    const since = page.getByLabel('Recover failed deliveries since');
    expect(await since.inputValue()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/); // from when it started failing
    await shot('endpoint-failing');

    // The receiver is back.
    receiver.behaviour = healthy;
    const before = receiver.requests.length;
    await page.getByRole('button', { name: 'Recover failed deliveries' }).click();
    await page
      .getByTestId('recovery')
      .filter({ hasText: 'completed' })
      .filter({ hasText: '2 of 2 delivered, 0 failed' })
      .waitFor({ timeout: 20_000 });
    // The same two deliveries (their events' ids), once each; and the endpoint is healthy again.
    const resent = receiver.requests.slice(before);
    expect(resent.map((r) => r.path)).toEqual(['/books', '/books']);
    expect(resent.map((r) => r.headers['webhook-id']).sort()).toEqual([sales['KNK-0201'], sales['KNK-0202']].sort());
    await page.locator('header.bar .status', { hasText: 'healthy' }).waitFor();
    await shot('endpoint-recover');
  });

  it('replays only the event type chosen', async () => {
    await section('Replay');
    await page.getByTestId('retention').getByText('a replay reaches back to').waitFor();
    await page.getByRole('combobox', { name: /^Endpoint/ }).selectOption({ label: receiver.url('/hook') });
    await page.getByText("None chosen: the endpoint's own event types (kaynko.sale.completed).").waitFor();
    await page.locator('summary', { hasText: 'kaynko' }).click();
    await page.getByRole('checkbox', { name: 'kaynko.sale.voided' }).check();
    await shot('replay-types');
    const [started] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && /\/v1\/endpoints\/[^/]+\/replay$/.test(r.url())),
      page.getByRole('button', { name: 'Replay these events' }).click(),
    ]);
    expect(started.request().postDataJSON()).toMatchObject({ eventTypes: ['kaynko.sale.voided'] });
    // Till 2's voided sale is the only event of that type in the last hour; none of the sales goes again.
    const replay = await started.json();
    expect([replay.total, replay.eventTypes]).toEqual([1, ['kaynko.sale.voided']]);
    await page
      .locator('.progress-frame', { hasText: 'completed' })
      .filter({ hasText: '1 of 1 done' })
      .waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('replay-types').textContent()).toBe('Event types: kaynko.sale.voided');
  });

  it('reaches every section on a phone (390 px): the navigation wraps, nothing runs off the side', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const nav = page.getByRole('navigation', { name: 'Sections' });
    // Each section, its heading, and what shows that its page has loaded.
    const sections: Array<[string, string, () => Promise<void>]> = [
      ['Endpoints', 'Endpoints', () => page.locator('li.row', { hasText: 'Accountant' }).waitFor()],
      ['Deliveries', 'Recent deliveries', () => page.locator('li.row', { hasText: 'KNK-0202' }).first().waitFor()],
      ['Events', 'Events', () => page.locator('li.row', { hasText: 'KNK-0202' }).waitFor()],
      ['Sources', 'Sources', () => page.locator('li.row', { hasText: 'Shop 1' }).waitFor()],
      ['Replay', 'Replay', () => page.getByTestId('retention').getByText('reaches back').waitFor()],
      ['Qerko', 'Qerko requests', () => page.getByText('Nothing here yet.').waitFor()],
    ];
    expect(await nav.getByRole('link').allTextContents()).toEqual(sections.map(([label]) => label));
    for (const [label, heading, loaded] of sections) {
      const link = nav.getByRole('link', { name: label, exact: true });
      // In sight as it is: inside the screen's width, not behind a horizontal scroll.
      const box = (await link.boundingBox())!;
      expect([label, box.x >= 0 && box.x + box.width <= 390]).toEqual([label, true]);
      await link.click();
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await loaded();
      expect([label, await overflows()]).toEqual([label, false]);
      if (label === 'Events') await shot('events-phone');
    }
    // The pages a merchant opens from the lists fit too.
    await section('Deliveries');
    await search('KNK-0201');
    await page.getByTestId('found').getByText('2 deliveries found for “KNK-0201”', { exact: true }).waitFor();
    await page.locator('li.row', { hasText: 'Accountant' }).getByRole('link').click();
    await page.getByTestId('delivery-state').waitFor();
    expect(await overflows()).toBe(false);
    await page.getByTestId('delivery-endpoint').getByRole('link').click();
    await page.getByRole('heading', { name: 'Accountant' }).waitFor();
    expect(await overflows()).toBe(false);
    await shot('nav-phone');
    // Where the next test expects the console: the deliveries.
    await section('Deliveries');
    await page.getByRole('heading', { name: 'Recent deliveries' }).waitFor();
  });

  it('opens a portal link once: its tenant, its one endpoint, nothing it may not do, no token left', async () => {
    const shop = await gateway.tenantWithKey('Duka la Amani');
    const endpoint = async (name: string) =>
      (
        await call('POST', `${admin}/v1/endpoints`, {
          key: shop.key,
          body: { url: receiver.url(`/${name}`), name, eventTypes: ['kaynko.sale.completed'] },
        })
      ).body.id as string;
    const [till, office] = [await endpoint('Till one'), await endpoint('Back office')];
    const made = await call('POST', `${admin}/v1/portal-sessions`, {
      key: shop.key,
      body: { endpointIds: [till], readOnly: true },
    });
    expect(made.status).toBe(201);
    const token = (made.body.url as string).split('#/portal/')[1]!;
    rememberSecret(token);
    expect(token).toMatch(/^gw_link_/);
    // The link as the partner hands it out, on this test's admin API (GATEWAY_PUBLIC_ADMIN_URL is its address).
    const link = `${admin}/console/#/portal/${token}`;

    // Fresh tabs of the same browser: their own session storage, their answers checked against the OpenAPI document.
    const merchant = await page.context().newPage();
    const again = await page.context().newPage();
    const errors: string[] = [];
    for (const tab of [merchant, again])
      tab.on('console', (m) => {
        // The refusals provoked below (the other endpoint: 404; the second opening: 401) are logged by the browser as
        // failed resources, and the console says them itself.
        if (m.type() === 'error' && !/status of 40[14]/.test(m.text())) errors.push(m.text());
      });
    try {
      await merchant.goto(link);
      await merchant.locator('header .brand', { hasText: 'Duka la Amani' }).waitFor();
      await merchant.locator('li.row', { hasText: 'Till one' }).waitFor();
      expect(merchant.url()).toBe(`${admin}/console/#/endpoints`);
      expect(await merchant.evaluate('Object.values(sessionStorage)')).toEqual([expect.stringMatching(/^gw_portal_/)]);
      expect(await merchant.locator('li.row').count()).toBe(1);
      expect(await merchant.locator('li.row', { hasText: 'Back office' }).count()).toBe(0);
      const nav = merchant.getByRole('navigation', { name: 'Sections' });
      expect(await nav.getByRole('link').allTextContents()).toEqual(['Endpoints', 'Deliveries', 'Events']);
      expect(await merchant.getByRole('link', { name: 'Add endpoint' }).count()).toBe(0);

      await merchant.locator('li.row', { hasText: 'Till one' }).getByRole('link').click();
      await merchant.getByRole('heading', { name: 'Till one' }).waitFor();
      // What a read-only session may not do is not offered (the page draws its buttons with the endpoint's heading).
      for (const control of ['Test', 'Disable', 'Show', 'Rotate', 'Delete'])
        expect(await merchant.getByRole('button', { name: control, exact: true }).count()).toBe(0);
      for (const control of ['Edit', 'Replay'])
        expect(await merchant.getByRole('link', { name: control, exact: true }).count()).toBe(0);
      // The other endpoint, asked for by its address, is not there for this session.
      await merchant.goto(`${admin}/console/#/endpoints/${office}`);
      await merchant.getByRole('alert').filter({ hasText: 'Endpoint not found' }).waitFor();

      // After a reload the session is the API's to describe again (the stored access token still works).
      await merchant.reload();
      await merchant.locator('header .brand', { hasText: 'Duka la Amani' }).waitFor();

      // The link opens once: a second tab is told so, and can still sign in with a key.
      await again.goto(link);
      await again.getByRole('alert').filter({ hasText: 'already been opened' }).waitFor();
      await again.getByLabel('API key').waitFor();
      expect(again.url()).not.toContain(token);
      expect(await again.evaluate('sessionStorage.length')).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await merchant.close();
      await again.close();
    }
  });

  it('says plainly when the key stops working, and no page ever logged an error', async () => {
    // The operator revokes every key of the tenant, the one the console signed in with among them.
    const tenants = (await call('GET', `${admin}/v1/tenants?limit=100`, { key: gateway.operatorKey })).body
      .data as Array<{
      id: string;
      name: string;
    }>;
    const tenant = tenants.find((t) => t.name === 'Mama Njeri Supermarket')!;
    const keys = (await call('GET', `${admin}/v1/tenants/${tenant.id}/api-keys`, { key: gateway.operatorKey })).body
      .data as Array<{ id: string }>;
    for (const k of keys) await call('DELETE', `${admin}/v1/api-keys/${k.id}`, { key: gateway.operatorKey });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
    expect(consoleErrors).toEqual([]);
  });

  it("got from the API only answers its OpenAPI document declares (the console's requests, as a browser sent them)", async () => {
    const problems = (await Promise.all(browserAnswers)).filter(Boolean);
    expect(browserAnswers.length - unreadAnswers).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });
});
