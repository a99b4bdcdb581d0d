// Real-browser tests of web/mtc.js against the real spoor server.
//
// Run from the repository root, after building spoor:
//   SPOOR_BIN=build/src/spoor/spoor node --test tests/browser/
// Needs Chromium at /usr/bin/chromium (or CHROMIUM_BIN; `apt-get install -y
// chromium`) and playwright-core from package.json (`npm ci`).
//
// Each suite starts its own spoor (fresh data directory, port 0, ready file)
// and a tiny page server on 127.0.0.1. The pages embed Mautic's snippet
// verbatim, pointing at http://localhost:PORT/mtc.js, so page and tracker are
// different sites and the browser really does CORS. Every wait has a deadline:
// the run ends by itself, with a clear message, even if spoor never starts.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const SPOOR_BIN = path.resolve(process.env.SPOOR_BIN || '/work/main/build/src/spoor/spoor');
const CHROMIUM_BIN = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const READY_TIMEOUT_MS = 20_000;
const EXPORT_TIMEOUT_MS = 10_000;
const LOADED_TIMEOUT_MS = 15_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs a spoor CLI command; resolves with stdout, rejects with stderr.
function cli(args, timeout = 15_000) {
  return new Promise((resolve, reject) => {
    execFile(SPOOR_BIN, args, { timeout, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`spoor ${args.join(' ')} failed (${err.signal || err.code}): ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

// Starts `spoor serve` and waits for its ready file.
async function startSpoor(dataDir) {
  const readyFile = path.join(dataDir, 'ready.json');
  const proc = spawn(SPOOR_BIN, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--ready-file', readyFile],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (b) => { log = (log + b).slice(-8000); };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  let exited = null;
  proc.on('exit', (code, signal) => { exited = { code, signal }; });
  proc.on('error', (e) => { exited = { error: e.message }; });
  const stop = async () => {
    if (exited) return;
    proc.kill('SIGTERM');
    for (const deadline = Date.now() + 5000; !exited && Date.now() < deadline;) await sleep(50);
    if (!exited) proc.kill('SIGKILL');
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) throw new Error(`spoor serve exited early (${JSON.stringify(exited)}); output:\n${log}`);
    try {
      const ready = JSON.parse(fs.readFileSync(readyFile, 'utf8'));
      if (ready.url) return { ...ready, stop, log: () => log };
    } catch { /* not written yet, or half written */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`spoor serve wrote no ready file ${readyFile} within ${READY_TIMEOUT_MS} ms; output:\n${log}`);
    }
    await sleep(50);
  }
}

function ndjson(text) {
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

// Polls `spoor export events` until pred matches some events (or deadline).
async function waitForEvents(ctx, pred, what) {
  const deadline = Date.now() + EXPORT_TIMEOUT_MS;
  let events = [];
  for (;;) {
    events = ndjson(await cli(['export', 'events', '--data', ctx.dataDir]));
    const hits = events.filter(pred);
    if (hits.length) return { hits, events };
    if (Date.now() > deadline) {
      throw new Error(`no exported event ${what} within ${EXPORT_TIMEOUT_MS} ms; export has ${events.length} events:\n` +
        events.slice(-5).map((e) => JSON.stringify(e)).join('\n') + `\nspoor output:\n${ctx.spoor.log()}`);
    }
    await sleep(100);
  }
}

// Mautic's snippet, verbatim but for the URL, plus the page's own mt() calls.
function snippet(trackerUrl, calls) {
  return `<script>
    (function(w,d,t,u,n,a,m){w['MauticTrackingObject']=n;
        w[n]=w[n]||function(){(w[n].q=w[n].q||[]).push(arguments)},a=d.createElement(t),
        m=d.getElementsByTagName(t)[0];a.async=1;a.src=u;m.parentNode.insertBefore(a,m)
    })(window,document,'script','${trackerUrl}','mt');

    ${calls}
</script>`;
}

const TITLE = 'Promo & Printemps — offre spéciale';
const ONLOAD = `{onload: function(){ window.__loaded = true; }, onerror: function(){ window.__failed = true; }}`;

// A tiny site on 127.0.0.1. `site.tracker` (the spoor base URL on
// "localhost") is set once spoor runs; the origin must exist before that,
// because it goes on spoor's allow-list before `serve`.
async function startSite() {
  const site = { tracker: null };
  const page = (title, body) => `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>${title.replace(/&/g, '&amp;')}</title></head>
<body>${body}</body></html>`;
  const routes = {
    '/from': () => page('Départ', '<a id="go" href="/landing?utm_campaign=Spring&utm_medium=email">Offre</a>'),
    '/landing': () => page(TITLE, '<h1>Offre</h1>' +
      snippet(`${site.tracker}/mtc.js`, `mt('send','pageview', {}, ${ONLOAD});`)),
    // Two sends back to back: the second is queued while the first is in flight.
    '/double': () => page('Deux envois', snippet(`${site.tracker}/mtc.js`,
      `mt('send','pageview', {utm_source: 'newsletter'}, {onload: function(r){ (window.__acks = window.__acks || []).push(r); }});
    mt('send','pageview', {page_title: 'Titre remplacé'}, {onload: function(r){ (window.__acks = window.__acks || []).push(r); }});
    mt('send','event', 'ignored', {});`)),
    '/ws': () => page('Espace', snippet(`${site.tracker}/w/${site.workspace}/mtc.js`, `mt('send','pageview', {}, ${ONLOAD});`)),
  };
  const server = http.createServer((req, res) => {
    const route = routes[new URL(req.url, 'http://x').pathname];
    if (!route) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(route());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  site.origin = `http://127.0.0.1:${server.address().port}`;
  site.close = () => new Promise((r) => { server.closeAllConnections(); server.close(r); });
  return site;
}

async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM_BIN)) throw new Error(`no Chromium at ${CHROMIUM_BIN} (apt-get install -y chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    timeout: 30_000,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--lang=fr-FR', '--accept-lang=fr-FR'],
  });
}

// Records what the page sent to spoor, to compare with what spoor stored.
function watchTracker(page) {
  const seen = { posts: [], pixels: [], failed: [] };
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (u.pathname.endsWith('/mtc/event') && req.method() === 'POST') seen.posts.push(new URLSearchParams(req.postData() || ''));
    if (u.pathname.endsWith('/mtracking.gif')) seen.pixels.push(u.searchParams);
  });
  page.on('requestfailed', (req) => seen.failed.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText}`));
  return seen;
}

// Fills ctx step by step, so teardown(ctx) cleans up whatever got started.
async function setup(ctx, { allowOrigin }) {
  if (!fs.existsSync(SPOOR_BIN)) throw new Error(`SPOOR_BIN ${SPOOR_BIN} does not exist: build spoor or set SPOOR_BIN`);
  ctx.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spoor-browser-'));
  ctx.site = await startSite();
  if (allowOrigin) await cli(['workspace', 'domains', 'add', ctx.site.origin, '--data', ctx.dataDir]);
  ctx.spoor = await startSpoor(ctx.dataDir);
  ctx.site.tracker = ctx.spoor.url.replace('://127.0.0.1:', '://localhost:');
  ctx.site.workspace = ctx.spoor.workspace_id;
  ctx.browser = await launchBrowser();
}

async function teardown(ctx) {
  await ctx.browser?.close().catch(() => {});
  await ctx.spoor?.stop();
  await ctx.site?.close();
  if (ctx.dataDir) fs.rmSync(ctx.dataDir, { recursive: true, force: true });
}

async function newPage(ctx) {
  const context = await ctx.browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(LOADED_TIMEOUT_MS);
  const seen = watchTracker(page);
  return { page, seen, context };
}

async function waitLoaded(page, seen) {
  try {
    await page.waitForFunction(() => window.__loaded === true || window.__failed === true, null, { timeout: LOADED_TIMEOUT_MS });
  } catch (e) {
    throw new Error(`onload never fired on ${page.url()}; failed requests: ${JSON.stringify(seen.failed)}`);
  }
  assert.equal(await page.evaluate(() => window.__failed === true), false,
    `onerror fired instead of onload; failed requests: ${JSON.stringify(seen.failed)}`);
}

// Clicks from /from to /landing, so document.referrer is the full /from URL.
async function visitLanding(ctx, page, seen) {
  await page.goto(`${ctx.site.origin}/from`);
  await Promise.all([page.waitForURL('**/landing?**'), page.click('#go')]);
  await waitLoaded(page, seen);
}

describe('page origin on the allow-list: CORS path', { timeout: 120_000 }, () => {
  const ctx = {};
  before(() => setup(ctx, { allowOrigin: true }), { timeout: 90_000 });
  after(() => teardown(ctx), { timeout: 30_000 });

  test('page view via POST /mtc/event: onload, mtc_id cookie, stored event', async () => {
    const { page, seen, context } = await newPage(ctx);
    await visitLanding(ctx, page, seen);
    const landingUrl = `${ctx.site.origin}/landing?utm_campaign=Spring&utm_medium=email`;
    const info = await page.evaluate(() => ({
      cookie: document.cookie, language: navigator.language, referrer: document.referrer, url: location.href,
      device: localStorage.getItem('mautic_device_id'),
    }));
    assert.equal(info.url, landingUrl);
    assert.match(info.language, /^fr/, 'Chromium honours --lang=fr-FR');
    assert.equal(info.referrer, `${ctx.site.origin}/from`);
    const m = /(?:^|;\s*)mtc_id=(\d+)(?:;|$)/.exec(info.cookie);
    assert.ok(m, `no mtc_id=<integer> in document.cookie: ${JSON.stringify(info.cookie)}`);
    assert.match(info.cookie, /(?:^|;\s*)mautic_device_id=[^;]+/);

    assert.equal(seen.posts.length, 1, 'one POST to /mtc/event');
    assert.equal(seen.pixels.length, 0, 'no pixel fallback when CORS is allowed');
    const sent = seen.posts[0];
    assert.match(sent.get('eid'), /^e[0-9a-z]{20,}$/);
    assert.equal(sent.get('page_referrer'), `${ctx.site.origin}/from`, 'full referrer URL, not host only');

    const { hits } = await waitForEvents(ctx, (e) => e.url === landingUrl, `with url ${landingUrl}`);
    assert.equal(hits.length, 1, `exactly one event for the landing page: ${JSON.stringify(hits)}`);
    const ev = hits[0];
    assert.equal(ev.type, 'page_view');
    assert.equal(ev.source, 'js');
    assert.equal(ev.title, TITLE);
    assert.equal(ev.language, info.language);
    assert.equal(ev.referrer, `${ctx.site.origin}/from`);
    assert.equal(ev.utm_campaign, 'Spring');
    assert.equal(ev.utm_medium, 'email');
    assert.equal(ev.id, sent.get('eid'), 'the client eid is the event id');
    assert.equal(String(ev.contact_id), m[1], 'mtc_id cookie is the contact of the event');
    if (info.device) assert.equal(ev.device_id, info.device);
    await context.close();
  });

  test('two sends in a row: both stored, same contact, overrides applied, unknown verb ignored', async () => {
    const { page, seen, context } = await newPage(ctx);
    await page.goto(`${ctx.site.origin}/double`);
    await page.waitForFunction(() => (window.__acks || []).length === 2, null, { timeout: LOADED_TIMEOUT_MS })
      .catch(() => { throw new Error(`both onloads did not fire; failed: ${JSON.stringify(seen.failed)}`); });
    const acks = await page.evaluate(() => window.__acks);
    assert.equal(seen.posts.length, 2);
    const [a, b] = seen.posts;
    assert.notEqual(a.get('eid'), b.get('eid'));
    assert.deepEqual([a.get('counter'), b.get('counter')], ['0', '1']);
    assert.equal(b.get('mautic_device_id'), acks[0].device_id, 'second send carries the device id learnt from the first');

    const url = `${ctx.site.origin}/double`;
    const { hits } = await waitForEvents(ctx, (e) => e.url === url && e.id === b.get('eid'), 'for the second send');
    const { events } = await waitForEvents(ctx, (e) => e.id === a.get('eid'), 'for the first send');
    const mine = events.filter((e) => e.url === url);
    assert.equal(mine.length, 2, `two events, none lost or doubled: ${JSON.stringify(mine)}`);
    const first = mine.find((e) => e.id === a.get('eid'));
    const second = hits[0];
    assert.equal(first.utm_source, 'newsletter');
    assert.equal(first.title, 'Deux envois');
    assert.equal(second.title, 'Titre remplacé', 'fields given to mt() override the collected ones');
    assert.equal(first.contact_id, second.contact_id);
    assert.equal(String(first.contact_id), String(acks[0].id));
    await context.close();
  });

  test('tracker loaded from /w/{workspace}/mtc.js posts under that prefix', async () => {
    const { page, seen, context } = await newPage(ctx);
    const wsRequests = [];
    page.on('request', (r) => { if (r.url().includes(`/w/${ctx.site.workspace}/`)) wsRequests.push(`${r.method()} ${new URL(r.url()).pathname}`); });
    await page.goto(`${ctx.site.origin}/ws`);
    await waitLoaded(page, seen);
    assert.ok(wsRequests.includes(`POST /w/${ctx.site.workspace}/mtc/event`), `requests: ${JSON.stringify(wsRequests)}`);
    await waitForEvents(ctx, (e) => e.url === `${ctx.site.origin}/ws` && e.source === 'js', 'for /ws');
    await context.close();
  });
});

describe('page origin NOT on the allow-list: pixel fallback', { timeout: 120_000 }, () => {
  const ctx = {};
  before(() => setup(ctx, { allowOrigin: false }), { timeout: 90_000 });
  after(() => teardown(ctx), { timeout: 30_000 });

  test('CORS refused: the pixel records the page view and onload still fires', async () => {
    const { page, seen, context } = await newPage(ctx);
    await visitLanding(ctx, page, seen);
    const landingUrl = `${ctx.site.origin}/landing?utm_campaign=Spring&utm_medium=email`;
    assert.equal(seen.pixels.length, 1, `one pixel request; failed: ${JSON.stringify(seen.failed)}`);
    const eid = seen.pixels[0].get('eid');
    if (seen.posts.length) assert.equal(seen.posts[0].get('eid'), eid, 'the fallback repeats the same eid');
    assert.doesNotMatch(await page.evaluate(() => document.cookie), /mtc_id=/, 'no first-party id without CORS');

    const { hits } = await waitForEvents(ctx, (e) => e.url === landingUrl, `with url ${landingUrl}`);
    assert.equal(hits.length, 1, `exactly one event: ${JSON.stringify(hits)}`);
    const ev = hits[0];
    assert.equal(ev.type, 'page_view');
    assert.equal(ev.source, 'pixel');
    assert.equal(ev.id, eid);
    assert.equal(ev.title, TITLE);
    assert.equal(ev.referrer, `${ctx.site.origin}/from`);
    assert.equal(ev.utm_campaign, 'Spring');
    await context.close();
  });
});
