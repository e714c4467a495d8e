// End-to-end test of the emulator dashboard: headless Chromium (the system's, driven by
// playwright-core) against a running emulator fed by the SDK (dashboard_driver). Every wait is
// on a condition with a deadline, never a fixed sleep.
//
// Environment: DASHBOARD_DRIVER (the driver binary), DASHBOARD_NODE_DIR (the folder whose
// node_modules holds playwright-core), CHROMIUM (default /usr/bin/chromium), and optionally
// DASHBOARD_SCREENSHOT (a PNG path: the page with the seeded data is saved there).
// Run by run_e2e.sh: node --test dashboard_e2e.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, test } from 'node:test';

const driverPath = process.env.DASHBOARD_DRIVER;
const nodeDir = process.env.DASHBOARD_NODE_DIR;
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const screenshotPath = process.env.DASHBOARD_SCREENSHOT || '';
assert.ok(driverPath, 'DASHBOARD_DRIVER must name the dashboard_driver binary');
assert.ok(nodeDir, 'DASHBOARD_NODE_DIR must name the folder holding node_modules/playwright-core');

const { chromium } = createRequire(path.join(nodeDir, 'package.json'))('playwright-core');

const WAIT_MS = 30_000; // per condition: generous, the machine has 2 shared cores
const TEST_MS = 180_000;
// The machine has no network: nothing of Chromium's own may try to reach out.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let driver;
let manifest;
let userDataDir;
let context;
let page;
const pageErrors = [];
const emitRequests = [];

// ---- The backend ---------------------------------------------------------------------------

function startDriver() {
  driver = spawn(driverPath, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: driver.stdout });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the driver did not get ready in 90 s')), 90_000);
    driver.once('exit', (code) => reject(new Error(`the driver exited early (${code})`)));
    lines.on('line', (line) => {
      if (line.startsWith('DASHBOARD_READY ')) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice('DASHBOARD_READY '.length)));
      }
    });
  });
}

async function stopDriver() {
  if (!driver || driver.exitCode !== null) return;
  const exited = new Promise((resolve) => driver.once('exit', resolve));
  driver.stdin.end(); // end of input: the driver stops its clients and the emulator
  const timer = setTimeout(() => driver.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

// ---- What the page shows -------------------------------------------------------------------

const testMessages = () => manifest.messages.filter((m) => m.environment === 'test');
const liveMessages = () => manifest.messages.filter((m) => m.environment === 'live');
// Keys newest first (the driver emitted them in order).
const newestFirst = (messages) => messages.map((m) => m.key).reverse();
const card = (key) => page.locator(`article.message[data-key="${key}"]`);
const txRow = (key, txKey) => card(key).locator(`tr.transaction[data-tx-key="${txKey}"]`);

// The summary the API gives a message (failures first), from what its transactions came to.
function expectedSummary(message) {
  const states = Object.values(message.transactions).map((tx) => tx.state);
  const failed = states.filter((state) => state === 'failed').length;
  if (states.length === 0) return 'no-transactions';
  if (failed === states.length) return 'failed';
  if (failed > 0) return 'partly-failed';
  return states.includes('processing') ? 'processing' : 'finished';
}

async function shownKeys() {
  return page.$$eval('article.message', (cards) => cards.map((c) => c.dataset.key));
}

// Waits until the page lists exactly `keys` (in this order when `ordered`), loaded: not the
// empty list shown while a filter change is in flight.
async function waitForShownKeys(keys, { ordered = false } = {}) {
  try {
    await page.waitForFunction(
      ([want, inOrder]) => {
        if (document.querySelector('#messages').getAttribute('aria-busy') !== 'false') return false;
        const got = [...document.querySelectorAll('article.message')].map((c) => c.dataset.key);
        if (inOrder) return JSON.stringify(got) === JSON.stringify(want);
        return got.length === want.length && want.every((k) => got.includes(k));
      },
      [keys, ordered],
      { timeout: WAIT_MS, polling: 50 },
    );
  } catch (error) {
    assert.fail(`expected ${JSON.stringify(keys)}, the page shows ${JSON.stringify(await shownKeys())}` +
      ` (${await pageState()})`);
  }
}

// What the page says about itself, for failure messages.
async function pageState() {
  return page.evaluate(() => JSON.stringify({
    busy: document.querySelector('#messages').getAttribute('aria-busy'),
    status: document.querySelector('#live-status').textContent,
    summary: document.querySelector('#list-summary').textContent,
    cards: document.querySelectorAll('article.message').length,
    more: !document.querySelector('#load-more').hidden,
    filters: document.querySelector('#messages').dataset.filters,
    scrollY: window.scrollY,
  }));
}

async function waitForTxState(key, txKey, state) {
  await card(key).locator(`tr.transaction[data-tx-key="${txKey}"][data-state="${state}"]`).waitFor();
}

// Sets all four filters and waits until the list shows them (typing is debounced, so until
// then the list is the previous filters').
async function setFilters({ event = '', txKey = '', state = '', search = '' }) {
  await page.fill('#filter-event', event);
  await page.fill('#filter-tx-key', txKey);
  await page.fill('#filter-search', search);
  await page.selectOption('#filter-state', state);
  await waitForListOf({ event, txKey, state, search });
}

async function clearFilters() {
  await page.click('#clear-filters');
  await waitForListOf({ event: '', txKey: '', state: '', search: '' });
}

async function waitForListOf(filters) {
  await page.waitForFunction(
    (applied) => {
      const list = document.querySelector('#messages');
      return list.dataset.filters === applied && list.getAttribute('aria-busy') === 'false';
    },
    JSON.stringify(filters), // in the page's order: event, txKey, state, search
  ).catch(async (error) => assert.fail(`filters ${JSON.stringify(filters)} not applied: ` +
    `${error.message} ${await pageState()}`));
}

async function connectWith(secret) {
  await page.fill('#secret-input', secret);
  await page.click('#connect-form button[type="submit"]');
}

// ---- Setup ---------------------------------------------------------------------------------

before(async () => {
  manifest = await startDriver();
  userDataDir = mkdtempSync(path.join(tmpdir(), 'dashboard-e2e-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 1000 },
    timeout: 90_000,
  });
  context.setDefaultTimeout(WAIT_MS);
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => pageErrors.push(error));
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/emit') emitRequests.push(request);
  });
});

after(async () => {
  await context?.close();
  await stopDriver();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

// ---- Tests (in order: they share the page) -------------------------------------------------

test('the page loads without a secret and shows no data', { timeout: TEST_MS }, async () => {
  await page.goto(manifest.url);
  await page.locator('#connect-panel').waitFor();
  assert.equal(await page.locator('#dashboard').isVisible(), false);
  assert.equal(await page.locator('article.message').count(), 0);

  const answers = await page.evaluate(async () => {
    const ask = async (headers) => {
      const response = await fetch('/_dashboard/api/messages', { headers });
      return { status: response.status, body: await response.json() };
    };
    return [await ask({}), await ask({ 'X-Buildable-Secret': 'sk_test_wrong' })];
  });
  for (const answer of answers) {
    assert.equal(answer.status, 401);
    assert.equal(answer.body.name, 'invalid-secret');
    assert.equal('messages' in answer.body, false);
  }
});

test('a wrong secret is refused and nothing is kept', { timeout: TEST_MS }, async () => {
  await connectWith('sk_test_wrong');
  await page.locator('#connect-error', { hasText: 'not accepted' }).waitFor();
  assert.equal(await page.locator('article.message').count(), 0);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
});

test('shows each message of its environment newest first, with states and outputs', {
  timeout: TEST_MS,
}, async () => {
  await connectWith(manifest.secret);
  await page.locator('#dashboard').waitFor();
  assert.equal(await page.textContent('#session-key'), 'demo');
  assert.equal(await page.textContent('#session-environment'), 'test');

  // Exactly the test environment's messages, newest first: the live one is not there.
  await waitForShownKeys(newestFirst(testMessages()), { ordered: true });

  for (const message of testMessages()) {
    const shown = card(message.key);
    assert.equal(await shown.locator('.event').textContent(), message.event);
    assert.equal(await shown.locator('.source').textContent(), 'custom/demo');
    assert.equal(await shown.locator('.env').textContent(), 'test');
    assert.match(await shown.locator('time').textContent(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    assert.deepEqual(JSON.parse(await shown.locator('.preview').textContent()), message.payload);

    const expected = Object.entries(message.transactions);
    assert.equal(await shown.locator('tr.transaction').count(), expected.length);
    if (expected.length === 0) await shown.locator('.no-transactions').waitFor();
    for (const [txKey, want] of expected) {
      await waitForTxState(message.key, txKey, want.state);
      const row = txRow(message.key, txKey);
      assert.equal(await row.locator('.badge').textContent(), want.state);
      assert.ok((await row.locator('.output').textContent()).includes(want.text),
        `${message.event} ${txKey}: output should contain ${JSON.stringify(want.text)}`);
      assert.match(await row.locator('td.when').nth(0).textContent(), /^\d\d:\d\d:\d\d\.\d{3}$/);
      if (want.state === 'processing') {
        assert.equal(await row.locator('td.when').nth(1).textContent(), '—');
      } else {
        assert.match(await row.locator('td.when').nth(2).textContent(), /^\d+(\.\d+)? (ms|s)$/);
      }
    }
    const failed = expected.some(([, want]) => want.state === 'failed');
    assert.equal(await shown.evaluate((c) => c.classList.contains('has-failure')), failed);
    assert.equal(await shown.getAttribute('data-summary'), expectedSummary(message), message.event);
  }

  // A message whose only transaction failed is red "failed", never green.
  const failedOnly = testMessages().find((m) => m.payload.userId === 'u-18');
  const badge = card(failedOnly.key).locator('.message-state');
  assert.equal(await badge.textContent(), 'failed');
  const colors = await card(failedOnly.key).evaluate((c) => {
    const style = (node) => getComputedStyle(node);
    const probe = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    const badgeNode = c.querySelector('.message-state');
    return {
      edge: style(c).borderLeftColor,
      badge: style(badgeNode).color,
      failed: probe('--failed'),
      finished: probe('--finished'),
    };
  });
  const rgb = (hex) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
  assert.equal(colors.edge, rgb(colors.failed));
  assert.equal(colors.badge, rgb(colors.failed));
  assert.notEqual(colors.badge, rgb(colors.finished));
  const partly = testMessages().find((m) => m.payload.orderId === 'ord-1002');
  assert.equal(await card(partly.key).locator('.message-state').textContent(), 'partly failed');

  // The secret is never put into the page.
  assert.equal((await page.content()).includes(manifest.secret), false);
});

test('a payload is pretty JSON and collapsible', { timeout: TEST_MS }, async () => {
  const message = testMessages()[0];
  const payload = card(message.key).locator('details.payload');
  const pretty = payload.locator('pre.payload-json');
  assert.equal(await pretty.isVisible(), false);
  await payload.locator('summary').click();
  await pretty.waitFor();
  assert.equal(await pretty.textContent(), JSON.stringify(message.payload, null, 2));
  // Polls refresh the card without closing it.
  await page.waitForFunction(
    (before) => document.querySelector('#live-status').textContent !== before,
    await page.textContent('#live-status'),
  );
  assert.equal(await pretty.isVisible(), true);
  if (screenshotPath) await page.screenshot({ path: screenshotPath, fullPage: true });
  await payload.locator('summary').click();
  await pretty.waitFor({ state: 'hidden' });
});

test('filters by event, txKey, state and payload text', { timeout: TEST_MS }, async () => {
  const messages = testMessages();
  const matching = (predicate) => newestFirst(messages.filter(predicate));
  const txStates = (m) => Object.values(m.transactions).map((tx) => tx.state);
  const contains = (m, text) => JSON.stringify(m.payload).toLowerCase().includes(text.toLowerCase());

  await setFilters({ event: 'user.signup' });
  await waitForShownKeys(matching((m) => m.event === 'user.signup'), { ordered: true });

  await setFilters({ txKey: 'email' });
  await waitForShownKeys(matching((m) => 'email' in m.transactions), { ordered: true });

  await setFilters({ state: 'failed' });
  const failed = matching((m) => txStates(m).includes('failed'));
  assert.equal(failed.length, 2);
  await waitForShownKeys(failed, { ordered: true });

  await setFilters({ state: 'processing' });
  await waitForShownKeys(matching((m) => txStates(m).includes('processing')));

  await setFilters({ txKey: 'billing', state: 'failed' });
  await waitForShownKeys(matching((m) => m.transactions.billing?.state === 'failed'));

  await setFilters({ search: 'lovelace' }); // case-blind
  const lovelace = matching((m) => contains(m, 'lovelace'));
  assert.equal(lovelace.length, 1);
  await waitForShownKeys(lovelace);

  await setFilters({ event: 'order.created', search: 'example.com' });
  await waitForShownKeys(matching((m) => m.event === 'order.created' && contains(m, 'example.com')));

  await setFilters({ search: 'no such text anywhere' });
  await waitForShownKeys([]);
  await page.locator('#list-empty').waitFor();

  await clearFilters();
  await waitForShownKeys(newestFirst(messages), { ordered: true });
});

test('a processing message turns finished live when its handler returns', {
  timeout: TEST_MS,
}, async () => {
  const report = testMessages().find((m) => m.event === 'report.requested');
  await setFilters({ state: 'processing' });
  await waitForShownKeys([report.key]);

  driver.stdin.write('release\n'); // the driver's waiting handler returns now
  await waitForShownKeys([]); // no longer processing: it leaves the filtered list by itself

  await clearFilters();
  await waitForTxState(report.key, 'reports', 'finished');
  assert.ok((await txRow(report.key, 'reports').locator('.output').textContent()).includes('"pages": 12'));
  assert.equal(await card(report.key).getAttribute('data-summary'), 'finished');
});

test('payloads nested too deep show a placeholder; the messages below them still show', {
  timeout: TEST_MS,
}, async () => {
  const byEvent = (event) => testMessages().find((m) => m.event === event);
  const tooDeep = byEvent('legacy.too_deep'); // 20,000 levels: the API's placeholder
  const deep = byEvent('legacy.deep'); // 200 levels: the page shows 64
  const older = byEvent('legacy.plain');

  const tooDeepPreview = card(tooDeep.key).locator('.preview');
  assert.equal(JSON.parse(await tooDeepPreview.textContent()),
    '<stored JSON nested deeper than 512 levels: not shown>');
  const deepPayload = card(deep.key).locator('details.payload');
  assert.ok((await deepPayload.locator('.preview').textContent())
    .includes('"… nested deeper than 64 levels"'));
  await deepPayload.locator('summary').click();
  const pretty = deepPayload.locator('pre.payload-json');
  await pretty.waitFor();
  assert.deepEqual(JSON.parse(await pretty.textContent()), deep.payload);
  await deepPayload.locator('summary').click();

  // Older than both, and shown in full.
  assert.deepEqual(JSON.parse(await card(older.key).locator('.preview').textContent()),
    older.payload);
  const order = await shownKeys();
  assert.ok(order.indexOf(older.key) > order.indexOf(tooDeep.key));
  assert.equal(await page.locator('article.message.unrenderable').count(), 0);
});

// Rebuilds every card from fresh answers: a filter that matches nothing, then none.
async function rebuildCards() {
  await setFilters({ search: 'no such text anywhere' });
  await waitForShownKeys([]);
  await clearFilters();
}

test('a message the page cannot show gets a placeholder; the others still show', {
  timeout: TEST_MS,
}, async () => {
  // The API sends neither row (it caps nesting at 512 levels): the test breaks two on their way
  // to the page. A payload 20,000 levels deep is what older emulators sent, and what made the
  // browser's JSON.stringify overflow its stack; a row without transactions stands for any row
  // that makes rendering throw.
  const deep = testMessages().find((m) => m.payload.userId === 'u-17');
  const broken = testMessages().find((m) => m.event === 'report.requested');
  const marker = 'REPLACED-BY-20000-LEVELS';
  const route = '**/_dashboard/api/messages*';
  await page.route(route, async (intercepted) => {
    const response = await intercepted.fetch();
    const body = await response.json();
    for (const row of body.messages ?? []) {
      if (row.key === deep.key) row.payload = marker;
      if (row.key === broken.key) row.transactions = null;
    }
    // Spliced in as text: node's JSON.stringify would overflow on it too.
    const levels = 20_000;
    const text = JSON.stringify(body)
      .replace(`"${marker}"`, `${'['.repeat(levels)}1${']'.repeat(levels)}`);
    await intercepted.fulfill({ response, body: text });
  });
  try {
    await rebuildCards();
    await waitForShownKeys(newestFirst(testMessages()), { ordered: true });
    await card(broken.key).locator('text=cannot be shown').waitFor();
    assert.equal(await card(broken.key).evaluate((c) => c.classList.contains('unrenderable')), true);
    assert.ok((await card(deep.key).locator('.preview').textContent())
      .includes('"… nested deeper than 64 levels"'));
    // The messages below both still show in full.
    const oldest = testMessages()[0];
    assert.deepEqual(JSON.parse(await card(oldest.key).locator('.preview').textContent()),
      oldest.payload);
  } finally {
    await page.unroute(route);
  }
  await rebuildCards();
  assert.deepEqual(JSON.parse(await card(deep.key).locator('.preview').textContent()), deep.payload);
  await card(broken.key).locator('.message-state').waitFor();
  assert.equal(await page.locator('article.message.unrenderable').count(), 0);
});

test('the emit form validates in the page, then its message is handled', {
  timeout: TEST_MS,
}, async () => {
  await page.click('#emit-panel summary');
  const error = page.locator('#emit-error');

  await page.fill('#emit-event', 'dashboard.test');
  await page.fill('#emit-payload', '{"note": ');
  await error.filter({ hasText: 'not valid JSON' }).waitFor();
  assert.equal(await page.isDisabled('#emit-submit'), true);

  await page.fill('#emit-payload', '[1, 2]');
  await error.filter({ hasText: 'must be a JSON object' }).waitFor();
  await page.fill('#emit-payload', '{"note": "sent from the e2e test", "n": 7}');
  await error.waitFor({ state: 'hidden' });
  await page.fill('#emit-event', '  ');
  await error.filter({ hasText: 'Enter an event name' }).waitFor();
  // Submitting the invalid form (Enter in a field) sends nothing either.
  await page.press('#emit-event', 'Enter');
  assert.equal(emitRequests.length, 0, 'nothing may be sent while the form is invalid');

  await page.fill('#emit-event', 'dashboard.test');
  await page.click('#emit-submit');
  const result = page.locator('#emit-result', { hasText: /key [0-9a-f]{32}/ });
  await result.waitFor();
  const key = (await result.textContent()).match(/key ([0-9a-f]{32})/)[1];
  assert.equal(emitRequests.length, 1);

  await card(key).waitFor();
  assert.equal(await card(key).locator('.event').textContent(), 'dashboard.test');
  assert.equal((await shownKeys())[0], key, 'the new message is on top');
  await waitForTxState(key, 'form', 'finished'); // the driver's listener handled it
  const output = await txRow(key, 'form').locator('.output').textContent();
  assert.ok(output.includes('sent from the e2e test') && output.includes('dashboard_driver'));
});

test('older messages load by infinite scroll', { timeout: TEST_MS }, async () => {
  const total = 60; // more than one page (50)
  const statuses = await page.evaluate(
    async ({ secret, count }) => {
      const answers = [];
      for (let n = 0; n < count; n += 1) {
        const response = await fetch('/emit', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Buildable-Secret': secret },
          body: JSON.stringify({ event: 'load.test', payload: { n } }),
        });
        answers.push(response.status);
      }
      return answers;
    },
    { secret: manifest.secret, count: total },
  );
  assert.deepEqual([...new Set(statuses)], [200]);

  await setFilters({ event: 'load.test' });
  await page.waitForFunction(() => {
    const cards = [...document.querySelectorAll('article.message')];
    return document.querySelector('#messages').getAttribute('aria-busy') === 'false' &&
      cards.length === 50 && cards.every((c) => c.dataset.event === 'load.test');
  }).catch(async (error) => assert.fail(`${error.message} ${await pageState()}`));
  await page.locator('#load-more').waitFor();
  await page.locator('#sentinel').scrollIntoViewIfNeeded();
  await page.waitForFunction(
    (count) => document.querySelectorAll('article.message').length === count,
    total,
  ).catch(async (error) => assert.fail(`${error.message} ${await pageState()}`));
  const ns = await page.$$eval('article.message .preview', (previews) =>
    previews.map((p) => JSON.parse(p.textContent).n),
  );
  assert.deepEqual(ns, Array.from({ length: total }, (_, i) => total - 1 - i));
  await page.locator('#load-more').waitFor({ state: 'hidden' });
  await clearFilters();
});

test('a live key sees only the live environment; the secret lasts the tab session', {
  timeout: TEST_MS,
}, async () => {
  await page.click('#disconnect');
  await page.locator('#connect-panel').waitFor();
  await waitForShownKeys([]);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);

  await connectWith(manifest.liveSecret);
  await waitForShownKeys(newestFirst(liveMessages()));
  assert.equal(await page.textContent('#session-environment'), 'live');
  assert.equal(await card(liveMessages()[0].key).locator('.env').textContent(), 'live');

  await page.reload(); // entered once: the tab keeps it
  await waitForShownKeys(newestFirst(liveMessages()));
});

test('the one-time login link shows the stream without a secret, once', {
  timeout: TEST_MS,
}, async () => {
  await page.click('#disconnect');
  await page.locator('#connect-panel').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);

  assert.match(manifest.loginUrl, /\/#login=[0-9a-f]{32}$/);
  await page.goto('about:blank'); // a fresh load, as when the link is opened from a terminal
  await page.goto(manifest.loginUrl);
  await page.locator('article.message').first().waitFor(); // the stream of the link's key
  assert.equal(await page.textContent('#session-key'), 'demo');
  assert.equal(await page.textContent('#session-environment'), 'test');
  assert.equal(new URL(page.url()).hash, '', 'the token is taken out of the address bar');

  await page.click('#disconnect');
  await page.locator('#connect-panel').waitFor();
  // Opened again in the same tab (only the hash changes): used up, so the page asks for a key.
  await page.goto(manifest.loginUrl);
  await page.locator('#connect-error', { hasText: 'already used' }).waitFor();
  assert.equal(await page.locator('article.message').count(), 0);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
});

test('no script error happened in the page', () => {
  assert.deepEqual(pageErrors.map(String), []);
});
