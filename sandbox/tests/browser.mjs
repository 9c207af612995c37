// The sandbox page in a real browser: Debian's headless Chromium driven by playwright-core.
//
// Serves target/sandbox (sandbox/bundle.py's output) on a free localhost port, loads the page and
// watches the network from three places while every example is evaluated: the browser's own
// request events (Playwright, every page and worker of the context), the DevTools protocol's
// Network domain, and this file's HTTP server. CSP violations are recorded by a listener the test
// adds before the page's scripts run. After load, every one of them must stay empty. At the end
// positive controls (an image the CSP allows, a fetch it forbids) prove the recorders record.
//
// Usage: node sandbox/tests/browser.mjs   (CHROMIUM=/path/to/chromium to use another binary)
// Screenshots of the main states go to target/sandbox-screenshots/.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SITE = path.join(ROOT, 'target/sandbox');
const SHOTS = path.join(ROOT, 'target/sandbox-screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// The engine the page ships, imported here too: the expected suggested policies come from it.
const { check } = await import(path.join(SITE, 'engine.js'));
const { EXAMPLES } = await import(path.join(SITE, 'examples.js'));

const started = Date.now();
const timings = [];
async function step(name, body) {
  const t0 = Date.now();
  await body();
  timings.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`ok  ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

class Failure extends Error {}
function expect(ok, expected, seen) {
  if (!ok) throw new Failure(`expected ${expected}; seen ${seen}`);
}

// --- the static server, with its own log of every request -----------------------------------

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png' };
const served = []; // {url, afterLoad}
// The server can't tell the pages apart: a request while no page is loading counts as after load.
let loading = 0;

const server = http.createServer((req, res) => {
  served.push({ url: req.url, afterLoad: loading === 0 });
  const name = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
  const file = path.join(SITE, name);
  if (!file.startsWith(SITE + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
  res.end(fs.readFileSync(file));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const ORIGIN = `http://127.0.0.1:${server.address().port}`;
const URL_ = `${ORIGIN}/index.html`;

// --- the browser, and what it records --------------------------------------------------------

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  chromiumSandbox: process.getuid?.() !== 0, // root (CI, this machine) needs --no-sandbox
  // No traffic of the browser's own (updates, sync, field trials): the machine's network is closed.
  args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const recorded = { playwright: [], devtools: [] }; // {url, afterLoad}

async function openPage(viewport, initScript) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  if (initScript) await context.addInitScript(initScript);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ORIGIN });
  const tab = { context, loaded: false }; // loaded: set once this page has loaded (load())
  context.on('request', (request) => recorded.playwright.push({ url: request.url(), afterLoad: tab.loaded }));
  // Added by the test, before any script of the page: the page can't remove or miss it.
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const page = await context.newPage();
  const devtools = await context.newCDPSession(page);
  await devtools.send('Network.enable');
  devtools.on('Network.requestWillBeSent', (e) => recorded.devtools.push({ url: e.request.url, afterLoad: tab.loaded }));
  devtools.on('Network.webSocketCreated', (e) => recorded.devtools.push({ url: e.url, afterLoad: tab.loaded }));
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  return Object.assign(tab, { page, errors });
}

async function load(tab) {
  loading++;
  try {
    await tab.page.goto(URL_, { waitUntil: 'load' });
    await tab.page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 15000 });
  } finally {
    loading--;
  }
  tab.loaded = true;
  loads++;
}
let loads = 0;

// What the page shows, for the waits and their failure messages.
const state = (page) =>
  page.evaluate(() => ({
    verdict: document.getElementById('verdict').textContent,
    findings: [...document.querySelectorAll('#findings li[data-finding]')].map((li) => li.dataset.finding),
  }));

async function waitFor(page, what, predicate, arg) {
  try {
    await page.waitForFunction(predicate, arg, { timeout: 15000 });
  } catch {
    throw new Failure(`expected ${what}; seen ${JSON.stringify(await state(page))}`);
  }
}

const verdictIs = (page, compliance, finding) =>
  waitFor(
    page,
    `the verdict ${compliance}${finding ? ` with ${finding}` : ''}`,
    ([c, f]) =>
      document.getElementById('verdict').textContent.startsWith(`${c}:`) &&
      (!f || document.querySelector(`#findings li[data-finding="${f}"]`) !== null),
    [compliance, finding],
  );

const visibleText = (page) => page.evaluate(() => document.body.innerText); // no textarea or input values
const clipboard = (page) => page.evaluate(() => navigator.clipboard.readText());
async function shot(page, name, options = {}) {
  await page.mouse.move(0, 0); // no hover highlight on the last button clicked
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), ...options });
}

// Every name the examples' ARNs carry (functions, roles, in the inputs and the policies): redaction
// must hide them all.
const exampleNames = [
  ...new Set(
    EXAMPLES.flatMap((e) => [e.policy, ...e.functions, e.roleArn ?? ''])
      .flatMap((text) => [...text.matchAll(/:(?:function:|role\/|user\/)([\w+=,.@-]+)/g)].map((m) => m[1])),
  ),
];

function assertRedacted(text, where) {
  const account = text.match(/(?<![0-9])[0-9]{12}(?![0-9])/);
  expect(!account, `no 12-digit account id in ${where}`, account && `"${account[0]}" in …${text.slice(Math.max(0, account.index - 60), account.index + 20)}…`);
  for (const name of exampleNames) {
    expect(!text.includes(name), `no real name in ${where}`, `"${name}"`);
  }
}

// --- the test --------------------------------------------------------------------------------

fs.mkdirSync(SHOTS, { recursive: true });
let failed = null;
try {
  const desktop = await openPage({ width: 1280, height: 900 });
  const { context, page, errors } = desktop;

  await step('load: only the page\'s own files, from this server', async () => {
    await load(desktop);
    const files = new Set(fs.readdirSync(SITE).map((f) => `${ORIGIN}/${f}`));
    const strangers = recorded.playwright.filter((r) => !files.has(r.url) && !r.url.startsWith('data:'));
    expect(strangers.length === 0, 'requests for the bundle\'s files only', JSON.stringify(strangers));
    await shot(page, '1-empty');
  });

  for (const example of EXAMPLES) {
    await step(`example ${example.id}: NON_COMPLIANT with ${example.finding}, its fix COMPLIANT`, async () => {
      const expected = await check(example.policy, { functions: example.functions, roleArn: example.roleArn });
      const suggested = JSON.stringify(expected.suggested_policy, null, 2);
      await page.click(`button[data-example="${example.id}"]`);
      await verdictIs(page, 'NON_COMPLIANT', example.finding);
      const shown = await page.evaluate(() => ({
        annotation: document.getElementById('annotation').textContent,
        findings: [...document.querySelectorAll('#findings li')].map((li) => li.textContent),
        changed: document.querySelectorAll('#diff .add, #diff .del').length,
      }));
      expect(shown.annotation === expected.annotation, `the annotation "${expected.annotation}"`, `"${shown.annotation}"`);
      for (const finding of expected.findings) {
        const item = shown.findings.find((text) => text.includes(finding.id));
        for (const part of [finding.severity, finding.message, finding.fix]) {
          expect(item && item.includes(part), `${finding.id} shown with "${part}"`, item ?? 'no such finding');
        }
      }
      expect(shown.changed > 0, 'the suggested policy as a diff with +/- lines', `${shown.changed} changed lines`);
      if (example === EXAMPLES[0]) {
        await shot(page, '2-finding');
        await page.locator('#fix').scrollIntoViewIfNeeded();
        await shot(page, '3-diff', { fullPage: true });
      }

      // Copy the fix, as a user would, and check it is the engine's suggestion.
      await page.click('#copy');
      await waitFor(page, 'the copy confirmed', () => document.getElementById('copy-status').textContent.startsWith('Copied'));
      const copied = await clipboard(page);
      expect(copied === suggested, `the copied text to be the suggested policy:\n${suggested}`, `\n${copied}`);

      // The copied policy, pasted into the editor with the same functions, is COMPLIANT.
      await page.fill('#policy', copied);
      await verdictIs(page, 'COMPLIANT');
    });
  }

  await step('"Put it in the editor" loads the suggested policy, which is COMPLIANT', async () => {
    await page.click('button[data-example="principal-star"]');
    await verdictIs(page, 'NON_COMPLIANT', 'TRUST_PUBLIC');
    await page.click('#apply');
    await verdictIs(page, 'COMPLIANT');
  });

  await step('redaction: no account id or name in the visible text or the copied fix', async () => {
    for (const example of EXAMPLES) {
      await page.click(`button[data-example="${example.id}"]`);
      await verdictIs(page, 'NON_COMPLIANT', example.finding);
      if (!(await page.isChecked('#redact'))) await page.check('#redact');
      await waitFor(page, 'redacted results', () => /ACCOUNT-\d|name-\d/.test(document.getElementById('report').innerText));
      assertRedacted(await visibleText(page), `the page's visible text (${example.id})`);
      if (example === EXAMPLES[0]) await shot(page, '4-redacted', { fullPage: true });

      await page.click('#copy');
      await waitFor(page, 'the copy confirmed as redacted', () => document.getElementById('copy-status').textContent === 'Copied (redacted).');
      const copied = await clipboard(page);
      assertRedacted(copied, `the copied policy (${example.id})`);
      // Put the real values back with the page's own mapping: it must give the suggested policy.
      const mapping = await page.evaluate(() =>
        [...document.querySelectorAll('#mapping-rows tr')].map((tr) => [...tr.cells].map((td) => td.textContent)),
      );
      const placeholders = new Map(mapping.map(([placeholder, real]) => [placeholder, real]));
      const restored = copied.replace(/\b(?:ACCOUNT|name|EXTERNAL-ID|PRINCIPAL-ID)-\d+\b/g, (p) => placeholders.get(p) ?? p);
      const expected = await check(example.policy, { functions: example.functions, roleArn: example.roleArn });
      const suggested = JSON.stringify(expected.suggested_policy, null, 2);
      expect(restored === suggested, `the redacted copy to be the suggested policy:\n${suggested}`, `\n${restored}`);
      // The editor keeps the real text.
      const editor = await page.inputValue('#policy');
      expect(editor === example.policy, 'the editor to keep the real policy', editor);
    }

    // External ids: a vendor's trust with one, beside the Lambda statement.
    await page.fill('#policy', JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'vendor-secret-42' } } },
      ],
    }, null, 2));
    await verdictIs(page, 'NON_COMPLIANT', 'LAMBDA_ROLE_EXTRA_TRUST');
    const text = await visibleText(page);
    expect(!text.includes('vendor-secret-42') && /EXTERNAL-ID-\d/.test(text), 'the external id replaced by EXTERNAL-ID-n', text);
    assertRedacted(text, 'the page (external id)');
    await page.uncheck('#redact');
  });

  await step('a service the suggested policy drops is named as a step before applying it', async () => {
    await page.click('button[data-example="edge-only"]');
    await verdictIs(page, 'NON_COMPLIANT', 'LAMBDA_TRUST_MISSING');
    const stepsShown = () => document.getElementById('before-applying').innerText;
    // Zappa's role: API Gateway and EventBridge share the function's role.
    await page.fill('#policy', JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: ['apigateway.amazonaws.com', 'lambda.amazonaws.com', 'events.amazonaws.com'] }, Action: 'sts:AssumeRole' }],
    }, null, 2));
    await verdictIs(page, 'NON_COMPLIANT', 'LAMBDA_ROLE_EXTRA_TRUST');
    const shown = await page.evaluate(stepsShown);
    expect(shown.startsWith('Before applying it: give apigateway.amazonaws.com, events.amazonaws.com a role of their own'), 'the step above the suggested policy', `"${shown}"`);
    // A suggestion that drops nobody has no step.
    await page.click('button[data-example="edge-only"]');
    await verdictIs(page, 'NON_COMPLIANT', 'LAMBDA_TRUST_MISSING');
    const none = await page.evaluate(stepsShown);
    expect(none === '', 'no step', `"${none}"`);
  });

  await step('a malformed function ARN: an error next to the function ARNs', async () => {
    await page.click('button[data-example="edge-only"]');
    await verdictIs(page, 'NON_COMPLIANT', 'LAMBDA_TRUST_MISSING');
    await page.fill('#functions', 'arn:aws:lambda:us-east-1:111122223333:function:orders-edge\norders-edge');
    await waitFor(page, 'an error under the function ARNs', () => !document.getElementById('functions-error').hidden);
    const seen = await page.evaluate(() => {
      const field = document.getElementById('functions');
      const error = document.getElementById('functions-error');
      return {
        text: error.textContent,
        invalid: field.getAttribute('aria-invalid'),
        describedBy: field.getAttribute('aria-describedby'),
        gap: error.getBoundingClientRect().top - field.getBoundingClientRect().bottom,
        verdict: document.getElementById('verdict').textContent,
      };
    });
    expect(seen.text.includes('function ARN 2'), 'the error to name function ARN 2', `"${seen.text}"`);
    expect(seen.invalid === 'true' && seen.describedBy === 'functions-error', 'the field marked invalid and described by the error', JSON.stringify(seen));
    expect(seen.gap >= 0 && seen.gap < 24, 'the error right under the field', `${seen.gap}px below it`);
    expect(!seen.verdict.includes('COMPLIANT'), 'no verdict', `"${seen.verdict}"`);
    await page.fill('#functions', 'arn:aws:lambda:us-east-1:111122223333:function:orders-edge');
    await verdictIs(page, 'NON_COMPLIANT', 'LAMBDA_TRUST_MISSING');
  });

  await step('keyboard: Tab reaches the examples, the editor, the redaction switch and the copy button', async () => {
    await page.evaluate(() => document.activeElement?.blur());
    const reached = new Set();
    const unringed = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement;
        const ring = getComputedStyle(el.id === 'policy' ? el.parentElement : el).outlineStyle;
        return { key: el.dataset.example ? 'example' : el.id || el.tagName, ring };
      });
      reached.add(focused.key);
      // (Tab passes through the document itself, BODY, between the last control and the first.)
      if (focused.ring === 'none' && focused.key !== 'BODY') unringed.push(focused.key);
    }
    console.log(`    Tab reached: ${[...reached].join(', ')}`);
    for (const key of ['example', 'policy', 'redact', 'copy']) {
      expect(reached.has(key), `Tab to reach ${key}`, [...reached].join(', '));
    }
    expect(unringed.length === 0, 'a visible focus ring on every control', `none on ${unringed.join(', ')}`);
    // And they work from the keyboard.
    await page.focus('#redact');
    await page.keyboard.press('Space');
    expect(await page.isChecked('#redact'), 'Space to switch redaction on', 'off');
    await page.keyboard.press('Space');
    await page.focus('button[data-example="github-oidc"]');
    await page.keyboard.press('Enter');
    await verdictIs(page, 'NON_COMPLIANT', 'TRUST_OIDC_UNSCOPED');
  });

  expect(errors.length === 0, 'no script errors', errors.join('\n'));
  const phone = await openPage({ width: 390, height: 844 });
  await step('phone: 390x844, one column, no horizontal scroll', async () => {
    await load(phone);
    await phone.page.click('button[data-example="account-root"]');
    await verdictIs(phone.page, 'NON_COMPLIANT', 'CROSS_ACCOUNT_UNCONDITIONED');
    const widths = await phone.page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      body: document.body.scrollWidth,
      viewport: window.innerWidth,
    }));
    expect(widths.scroll <= widths.viewport && widths.body <= widths.viewport, 'no horizontal scroll', JSON.stringify(widths));
    await shot(phone.page, '5-phone', { fullPage: true });
    expect(phone.errors.length === 0, 'no script errors', phone.errors.join('\n'));
  });

  const trapped = await openPage({ width: 1280, height: 900 }, () => {
    // The first engine instance traps, as a panic does (profile wasm: panic = "abort").
    const instantiate = WebAssembly.instantiate;
    let first = true;
    WebAssembly.instantiate = async (...args) => {
      const instance = await instantiate.apply(WebAssembly, args);
      if (!first) return instance;
      first = false;
      const trap = () => { throw new WebAssembly.RuntimeError('unreachable'); };
      return { exports: { ...instance.exports, tc_evaluate: trap } };
    };
  });
  await step('an engine that traps: said so, and the next evaluation runs on a fresh instance', async () => {
    await load(trapped);
    await trapped.page.click('button[data-example="edge-only"]');
    await waitFor(trapped.page, 'the verdict "The engine failed on this input"', () =>
      document.getElementById('verdict').textContent.startsWith('The engine failed on this input'));
    await trapped.page.click('button[data-example="github-oidc"]');
    await verdictIs(trapped.page, 'NON_COMPLIANT', 'TRUST_OIDC_UNSCOPED');
  });

  await step('network: no request and no CSP violation after load', async () => {
    const after = {
      'browser request events': recorded.playwright.filter((r) => r.afterLoad).map((r) => r.url),
      'DevTools Network domain': recorded.devtools.filter((r) => r.afterLoad).map((r) => r.url),
      'the server': served.filter((r) => r.afterLoad).map((r) => r.url),
      'CSP violations': [
        ...(await page.evaluate(() => window.__violations)),
        ...(await phone.page.evaluate(() => window.__violations)),
        ...(await trapped.page.evaluate(() => window.__violations)),
      ],
    };
    for (const [witness, seen] of Object.entries(after)) {
      expect(seen.length === 0, `nothing after load seen by ${witness}`, JSON.stringify(seen));
    }
    // While pages loaded, the server saw the bundle's files, each once per load, and nothing else.
    const files = fs.readdirSync(SITE).length;
    const during = served.filter((r) => !r.afterLoad).map((r) => r.url);
    const strangers = during.filter((url) => !fs.existsSync(path.join(SITE, url.slice(1))));
    expect(strangers.length === 0 && during.length === files * loads,
      `the server to serve the ${files} files of the bundle ${loads} times (${files * loads} requests)`,
      `${during.length} requests, these not of the bundle: ${JSON.stringify(strangers)}`);
    console.log(`    while loading: ${during.length} requests (${files} files × ${loads} pages); after load: none`);
  });

  await step('positive controls: the recorders see what the page is allowed and forbidden to do', async () => {
    // An image from the page's own origin is allowed (img-src 'self'): every witness must see it.
    await page.evaluate(() => new Promise((resolve) => {
      const img = new Image();
      img.onload = img.onerror = resolve;
      img.src = '/control.png';
    }));
    // A fetch is forbidden (connect-src 'none'): it must fail and be reported as a violation.
    const fetched = await page.evaluate(() => fetch('/control.json').then(() => 'sent', (e) => `blocked: ${e.message}`));
    await page.waitForTimeout(200);
    const violations = await page.evaluate(() => window.__violations);
    const saw = (list) => list.some((r) => r.afterLoad && r.url.endsWith('/control.png'));
    expect(saw(recorded.playwright) && saw(recorded.devtools) && saw(served), 'the control image seen by all three witnesses',
      JSON.stringify({ playwright: saw(recorded.playwright), devtools: saw(recorded.devtools), server: saw(served) }));
    expect(fetched.startsWith('blocked'), 'the fetch blocked by the CSP', fetched);
    expect(violations.some((v) => v.startsWith('connect-src')), 'a connect-src violation recorded', JSON.stringify(violations));
    expect(!served.some((r) => r.url.endsWith('/control.json')), 'the blocked fetch never reached the server', 'it did');
  });

  await trapped.context.close();
  await phone.context.close();
  await context.close();
} catch (error) {
  failed = error;
} finally {
  await browser.close();
  server.close();
}

const total = ((Date.now() - started) / 1000).toFixed(1);
if (failed) {
  console.error(`FAIL ${failed instanceof Failure ? failed.message : failed.stack}`);
  console.error(`screenshots so far: ${path.relative(ROOT, SHOTS)}/`);
  console.log(`browser: ${timings.length} passed, 1 failed`);
  process.exit(1);
}
console.log(`${total} s in all; screenshots in ${path.relative(ROOT, SHOTS)}/`);
console.log(`browser: ${timings.length} passed, 0 failed`);
