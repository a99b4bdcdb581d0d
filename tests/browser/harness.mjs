// Shared harness of the browser tests (*.test.mjs in this directory): a real
// spoor server, a tiny page server and a headless Chromium. Not a test file
// itself (`node --test tests/browser/` runs only *.test.mjs).
//
// Each suite starts its own spoor (fresh data directory, port 0, ready file)
// and a tiny page server on 127.0.0.1. The pages embed Mautic's snippet
// verbatim, pointing at http://localhost:PORT/mtc.js, so page and tracker are
// different sites and the browser really does CORS. Every wait has a deadline:
// the run ends by itself, with a clear message, even if spoor never starts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const SPOOR_BIN = path.resolve(process.env.SPOOR_BIN || 'build/src/spoor/spoor');
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const READY_TIMEOUT_MS = 20_000;
export const EXPORT_TIMEOUT_MS = 10_000;
export const LOADED_TIMEOUT_MS = 15_000;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs a spoor CLI command with stdin closed (so `user create` generates a
// password); resolves with stdout, rejects with stderr.
export function cli(args, timeout = 15_000) {
  return new Promise((resolve, reject) => {
    const proc = spawn(SPOOR_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (b) => { out += b; });
    proc.stderr.on('data', (b) => { err += b; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeout);
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`spoor ${args.join(' ')} failed (${signal || code}): ${err}`));
    });
  });
}

// Starts `spoor serve` (with `extraArgs`) and waits for its ready file.
export async function startSpoor(dataDir, extraArgs = []) {
  const readyFile = path.join(dataDir, 'ready.json');
  const proc = spawn(SPOOR_BIN, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--ready-file', readyFile,
    ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
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

export function ndjson(text) {
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

// Polls `spoor export events` until pred matches some events (or deadline).
export async function waitForEvents(ctx, pred, what) {
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
export function snippet(trackerUrl, calls) {
  return `<script>
    (function(w,d,t,u,n,a,m){w['MauticTrackingObject']=n;
        w[n]=w[n]||function(){(w[n].q=w[n].q||[]).push(arguments)},a=d.createElement(t),
        m=d.getElementsByTagName(t)[0];a.async=1;a.src=u;m.parentNode.insertBefore(a,m)
    })(window,document,'script','${trackerUrl}','mt');

    ${calls}
</script>`;
}

// A French HTML page.
export const htmlPage = (title, body) => `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>${title.replace(/&/g, '&amp;')}</title></head>
<body>${body}</body></html>`;

// Callbacks that set window.__loaded / window.__failed (see waitLoaded).
export const ONLOAD = `{onload: function(){ window.__loaded = true; }, onerror: function(){ window.__failed = true; }}`;

// A tiny site on 127.0.0.1; routes(site) maps a path to () => html. Its
// pages read `site.tracker` (the spoor base URL on "localhost") and
// `site.workspace` when served: they are set once spoor runs, while the
// origin exists before that, because it goes on spoor's allow-list first.
export async function startSite(routes) {
  const site = { tracker: null };
  const table = routes(site);
  const server = http.createServer((req, res) => {
    const route = table[new URL(req.url, 'http://x').pathname];
    if (!route) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(route());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  site.origin = `http://127.0.0.1:${server.address().port}`;
  site.close = () => new Promise((r) => { server.closeAllConnections(); server.close(r); });
  return site;
}

export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM_BIN)) throw new Error(`no Chromium at ${CHROMIUM_BIN} (apt-get install -y chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    timeout: 30_000,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--lang=fr-FR', '--accept-lang=fr-FR'],
  });
}

// Records what the page sent to spoor, to compare with what spoor stored,
// and the page's uncaught errors.
export function watchTracker(page) {
  const seen = { posts: [], pixels: [], failed: [], pageErrors: [] };
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (u.pathname.endsWith('/mtc/event') && req.method() === 'POST') seen.posts.push(new URLSearchParams(req.postData() || ''));
    if (u.pathname.endsWith('/mtracking.gif')) seen.pixels.push(u.searchParams);
  });
  page.on('requestfailed', (req) => seen.failed.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText}`));
  page.on('pageerror', (e) => seen.pageErrors.push(String(e)));
  return seen;
}

// Fills ctx step by step, so teardown(ctx) cleans up whatever got started.
export async function setup(ctx, { allowOrigin, routes }) {
  if (!fs.existsSync(SPOOR_BIN)) throw new Error(`SPOOR_BIN ${SPOOR_BIN} does not exist: build spoor or set SPOOR_BIN`);
  ctx.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spoor-browser-'));
  ctx.site = await startSite(routes);
  if (allowOrigin) await cli(['workspace', 'domains', 'add', ctx.site.origin, '--data', ctx.dataDir]);
  ctx.spoor = await startSpoor(ctx.dataDir);
  ctx.site.tracker = ctx.spoor.url.replace('://127.0.0.1:', '://localhost:');
  ctx.site.workspace = ctx.spoor.workspace_id;
  ctx.browser = await launchBrowser();
}

export async function teardown(ctx) {
  await ctx.browser?.close().catch(() => {});
  await ctx.spoor?.stop();
  await ctx.site?.close();
  if (ctx.dataDir) fs.rmSync(ctx.dataDir, { recursive: true, force: true });
}

export async function newPage(ctx) {
  const context = await ctx.browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(LOADED_TIMEOUT_MS);
  const seen = watchTracker(page);
  return { page, seen, context };
}

// Waits for the ONLOAD callbacks; fails if onerror fired instead.
export async function waitLoaded(page, seen) {
  try {
    await page.waitForFunction(() => window.__loaded === true || window.__failed === true, null, { timeout: LOADED_TIMEOUT_MS });
  } catch (e) {
    throw new Error(`onload never fired on ${page.url()}; failed requests: ${JSON.stringify(seen.failed)}`);
  }
  assert.equal(await page.evaluate(() => window.__failed === true), false,
    `onerror fired instead of onload; failed requests: ${JSON.stringify(seen.failed)}`);
}

// The visit cookie (mtc_session) of the page's origin, as the browser keeps it.
export const SESSION_ID_RE = /^s[0-9a-z]{24}$/;
export async function sessionCookie(context, origin) {
  return (await context.cookies(origin)).find((c) => c.name === 'mtc_session') || null;
}
