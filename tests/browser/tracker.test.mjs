// Real-browser tests of web/mtc.js against the real spoor server.
//
// Run from the repository root, after building spoor:
//   SPOOR_BIN=build/src/spoor/spoor node --test tests/browser/
// Needs Chromium at /usr/bin/chromium (or CHROMIUM_BIN; `apt-get install -y
// chromium`) and playwright-core from package.json (`npm ci`). The harness
// (spoor, page server, browser) is in harness.mjs; custom events are tested
// in events.test.mjs.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  LOADED_TIMEOUT_MS, ONLOAD, SESSION_ID_RE, htmlPage, newPage, sessionCookie, setup, sleep, snippet, teardown,
  waitForEvents, waitLoaded,
} from './harness.mjs';

const TITLE = 'Promo & Printemps — offre spéciale';

const routes = (site) => ({
  '/from': () => htmlPage('Départ', '<a id="go" href="/landing?utm_campaign=Spring&utm_medium=email">Offre</a>'),
  '/landing': () => htmlPage(TITLE, '<h1>Offre</h1>' +
    snippet(`${site.tracker}/mtc.js`, `mt('send','pageview', {}, ${ONLOAD});`)),
  // Two sends back to back: the second is queued while the first is in flight.
  '/double': () => htmlPage('Deux envois', snippet(`${site.tracker}/mtc.js`,
    `mt('send','pageview', {utm_source: 'newsletter'}, {onload: function(r){ (window.__acks = window.__acks || []).push(r); }});
    mt('send','pageview', {page_title: 'Titre remplacé'}, {onload: function(r){ (window.__acks = window.__acks || []).push(r); }});
    mt('send','unknown', 'ignored', {});
    mt('track', 'ignored');`)),
  '/ws': () => htmlPage('Espace', snippet(`${site.tracker}/w/${site.workspace}/mtc.js`, `mt('send','pageview', {}, ${ONLOAD});`)),
});

async function waitAcks(page, seen, n) {
  await page.waitForFunction((k) => (window.__acks || []).length === k, n, { timeout: LOADED_TIMEOUT_MS })
    .catch(() => { throw new Error(`${n} onloads did not fire; failed: ${JSON.stringify(seen.failed)}`); });
}

// Clicks from /from to /landing, so document.referrer is the full /from URL.
async function visitLanding(ctx, page, seen) {
  await page.goto(`${ctx.site.origin}/from`);
  await Promise.all([page.waitForURL('**/landing?**'), page.click('#go')]);
  await waitLoaded(page, seen);
}

describe('page origin on the allow-list: CORS path', { timeout: 120_000 }, () => {
  const ctx = {};
  before(() => setup(ctx, { allowOrigin: true, routes }), { timeout: 90_000 });
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
    await waitAcks(page, seen, 2);
    await sleep(300); // time for an (unwanted) third send to show up
    const acks = await page.evaluate(() => window.__acks);
    assert.equal(seen.posts.length, 2, 'unknown verbs send nothing');
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

  test('mtc_session cookie: set on the page, sent as session_id by every send, kept across page loads', async () => {
    const { page, seen, context } = await newPage(ctx);
    const t0 = Date.now() / 1000;
    await page.goto(`${ctx.site.origin}/double`);
    await waitAcks(page, seen, 2);
    const first = await sessionCookie(context, ctx.site.origin);
    assert.ok(first, `no mtc_session cookie on ${ctx.site.origin}: ${JSON.stringify(await context.cookies())}`);
    assert.match(first.value, SESSION_ID_RE);
    assert.equal(first.domain, '127.0.0.1', "the page's own host");
    assert.equal(first.path, '/');
    assert.ok(first.expires >= t0 + 1795 && first.expires <= Date.now() / 1000 + 1805,
      `max-age=1800: expires ${first.expires}, now ${Date.now() / 1000}`);
    assert.match(await page.evaluate(() => document.cookie), new RegExp(`(?:^|;\\s*)mtc_session=${first.value}(?:;|$)`),
      'readable by the page');
    assert.equal(seen.posts.length, 2);
    assert.deepEqual(seen.posts.map((p) => p.get('session_id')), [first.value, first.value], 'both sends carry it');

    // A second page load, well within 30 minutes: same id, cookie renewed.
    await sleep(1100);
    await page.goto(`${ctx.site.origin}/landing`);
    await waitLoaded(page, seen);
    assert.equal(seen.posts.length, 3);
    assert.equal(seen.posts[2].get('session_id'), first.value, 'same visit on the next page');
    const renewed = await sessionCookie(context, ctx.site.origin);
    assert.equal(renewed.value, first.value);
    assert.ok(renewed.expires > first.expires, `renewed: ${renewed.expires} > ${first.expires}`);

    // Cookie gone (expired): the next send starts a new visit.
    await context.clearCookies();
    await page.goto(`${ctx.site.origin}/landing`);
    await waitLoaded(page, seen);
    const fresh = await sessionCookie(context, ctx.site.origin);
    assert.match(fresh.value, SESSION_ID_RE);
    assert.notEqual(fresh.value, first.value, 'a new id after expiry');
    assert.equal(seen.posts[3].get('session_id'), fresh.value);
    assert.deepEqual(seen.pageErrors, []);
    await context.close();
  });
});

describe('page origin NOT on the allow-list: pixel fallback', { timeout: 120_000 }, () => {
  const ctx = {};
  before(() => setup(ctx, { allowOrigin: false, routes }), { timeout: 90_000 });
  after(() => teardown(ctx), { timeout: 30_000 });

  test('CORS refused: the pixel records the page view and onload still fires', async () => {
    const { page, seen, context } = await newPage(ctx);
    await visitLanding(ctx, page, seen);
    const landingUrl = `${ctx.site.origin}/landing?utm_campaign=Spring&utm_medium=email`;
    assert.equal(seen.pixels.length, 1, `one pixel request; failed: ${JSON.stringify(seen.failed)}`);
    const eid = seen.pixels[0].get('eid');
    const session = await sessionCookie(context, ctx.site.origin);
    assert.match(session?.value ?? '', SESSION_ID_RE, 'mtc_session is set without CORS too');
    assert.equal(seen.pixels[0].get('session_id'), session.value, 'the pixel carries session_id');
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
