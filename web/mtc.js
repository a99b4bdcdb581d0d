/* Spoor tracker: /mtc.js (or /w/{workspace}/mtc.js). Plain ES5, no deps.
 * Mautic's snippet and queue: mt('send','pageview', fields?, {onload,onerror}?).
 * A page view goes by CORS POST to {base}/mtc/event, else by image GET to
 * {base}/mtracking.gif; onload fires on either. Sends go out one at a time,
 * in order. No fingerprinting. */
(function (w, d) {
  'use strict';
  var name = w.MauticTrackingObject || 'mt', stub = w[name];
  if (stub && stub.spoor) return; // loaded twice: the first copy serves

  // Base URL: our own src up to "/mtc.js" (so a /w/{id} prefix is kept).
  var RE = /\/mtc\.js([?#].*)?$/, s = d.currentScript, all, i;
  if (!s || !RE.test(s.src)) {
    all = d.getElementsByTagName('script');
    for (s = null, i = all.length - 1; i >= 0 && !s; i--) if (RE.test(all[i].src || '')) s = all[i];
  }
  if (!s) return;
  var base = s.src.replace(RE, '');

  var corsOk = true;   // false once CORS failed with status 0: pixel only
  var counter = 0;     // page views of this page load
  var queue = [], busy = false;
  var TIMEOUT = 10000; // ms
  var own = function (o, k) { return Object.prototype.hasOwnProperty.call(o, k); };

  function ls(k, v) { // localStorage get (v undefined) or set; may be disabled
    try { if (v === undefined) return w.localStorage.getItem(k); w.localStorage.setItem(k, v); } catch (e) {}
    return null;
  }

  // User callbacks must not break us; rethrow later so the console shows it.
  function call(fn, arg) {
    if (typeof fn === 'function') try { fn(arg); } catch (e) { setTimeout(function () { throw e; }, 0); }
  }

  // Client event id 'e' + 24 x [0-9a-z]: a retried delivery is stored once.
  function eventId() {
    var id = 'e', b = new Uint8Array(32), c = w.crypto, j;
    while (id.length < 25) {
      if (c && c.getRandomValues) c.getRandomValues(b);
      else for (j = 0; j < 32; j++) b[j] = Math.random() * 256;
      for (j = 0; j < 32 && id.length < 25; j++) if (b[j] < 252) id += (b[j] % 36).toString(36);
    }
    return id;
  }

  function collect() {
    var n = w.navigator, lang = n.language || n.userLanguage || '', ua = n.userAgent || '', p = {
      page_title: d.title,
      page_language: lang,
      preferred_locale: lang.replace('-', '_'),
      page_referrer: d.referrer, // the full URL, not only its host
      page_url: w.location.href,
      counter: counter++,
      timezone_offset: new Date().getTimezoneOffset(),
      resolution: w.screen.width + 'x' + w.screen.height,
      platform: n.platform || (/Win/.test(ua) ? 'Windows' : /Mac|iP/.test(ua) ? 'MacOS' : /Linux|Android/.test(ua) ? 'Linux' : 'Unknown OS'),
      do_not_track: (n.doNotTrack || w.doNotTrack) == '1' ? 'true' : 'false'
    };
    try { p.timezone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) {}
    return p;
  }

  function serialize(p) { // flat form encoding; arrays joined by ','
    var out = [], k, v;
    for (k in p) {
      v = p[k];
      if (!own(p, k) || v === null || v === undefined || typeof v === 'function') continue;
      if (typeof v === 'object') v = v instanceof Array ? v.join(',') : JSON.stringify(v);
      out.push(encodeURIComponent(k) + '=' + encodeURIComponent(v));
    }
    return out.join('&');
  }

  // First-party cookies + localStorage for the contact the server answered.
  function remember(r) {
    if (!r || r.id === undefined || r.id === null) return;
    var attrs = '; path=/; max-age=31536000; SameSite=Lax' + (w.location.protocol === 'https:' ? '; secure' : '');
    d.cookie = 'mtc_id=' + encodeURIComponent(r.id) + attrs;
    ls('mtc_id', String(r.id));
    if (r.device_id) {
      d.cookie = 'mautic_device_id=' + encodeURIComponent(r.device_id) + attrs;
      ls('mautic_device_id', r.device_id);
    }
  }

  function xhr(method, url, body, onload, onfail) {
    var x = new XMLHttpRequest(), ended = false;
    function end(f, a) { if (!ended) { ended = true; f(a); } }
    x.open(method, url, true);
    x.withCredentials = true;
    x.timeout = TIMEOUT;
    if (body) x.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
    x.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
    x.onload = function () {
      if (x.status !== 200) return end(onfail, x.status);
      var r = x.responseText;
      try { r = JSON.parse(r); } catch (e) {}
      end(onload, r);
    };
    x.onerror = x.onabort = function () { end(onfail, 0); };
    x.ontimeout = function () { end(onfail, -1); }; // slow, not refused
    x.send(body);
  }

  function pixel(item, done) {
    var img = new Image(), cb = item.cb;
    img.onload = function () {
      done();
      call(cb.onload, { image: true });
      // CORS works but the POST failed: ask who we are.
      if (corsOk && !ls('mtc_id')) xhr('GET', base + '/mtc', null, remember, function () {});
    };
    img.onerror = function () { done(); call(cb.onerror); };
    img.onabort = function () { done(); call(cb.onabort || cb.onerror); };
    img.src = base + '/mtracking.gif?' + item.body;
  }

  // One delivery at a time: the device id from the first answer goes with the
  // next sends, and nothing is lost. A stuck delivery blocks at most ~20 s.
  function pump() {
    if (busy || !queue.length) return;
    busy = true;
    var item = queue.shift(), finished = false, dev = ls('mautic_device_id'), timer;
    function done() {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      busy = false;
      pump();
    }
    timer = setTimeout(done, 2 * TIMEOUT);
    if (dev && !item.params.mautic_device_id) item.params.mautic_device_id = dev;
    item.body = serialize(item.params);
    if (!corsOk) return pixel(item, done);
    xhr('POST', base + '/mtc/event', item.body, function (r) {
      remember(r);
      done();
      call(item.cb.onload, r);
    }, function (status) {
      if (status === 0) corsOk = false; // refused or unreachable
      pixel(item, done);
    });
  }

  function pageview(fields, cb) {
    var p = collect(), k;
    p.eid = eventId();
    if (fields && typeof fields === 'object') for (k in fields) if (own(fields, k)) p[k] = fields[k];
    queue.push({ params: p, cb: cb && typeof cb === 'object' ? cb : {} });
    pump();
  }

  // One mt(...) call; unknown verbs are ignored.
  var started = false, pending = stub && stub.q ? [].slice.call(stub.q) : [];
  function handle(args) {
    if (!started) return pending.push(args);
    if (args && args[0] === 'send' && args[1] === 'pageview') pageview(args[2], args[3]);
  }

  // Replace the snippet's stub: later calls (and q.push) run at once.
  var mt = function () { handle(arguments); };
  mt.spoor = 1;
  mt.q = [];
  mt.q.push = function () { for (var j = 0; j < arguments.length; j++) handle(arguments[j]); return 0; };
  w[name] = mt;
  if (stub && stub.q) stub.q = mt.q; // for anyone still holding the stub

  function start() {
    if (started) return;
    started = true;
    for (var j = 0; j < pending.length; j++) handle(pending[j]);
    pending = [];
  }
  // A prerendered page counts only once the visitor actually opens it.
  if (d.prerendering) d.addEventListener('prerenderingchange', start);
  else start();
})(window, document);
