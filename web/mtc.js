/* Spoor tracker: /mtc.js (or /w/{workspace}/mtc.js). Plain ES5, no deps.
 * Mautic's snippet and queue:
 *   mt('send','pageview', fields?, {onload,onerror}?)
 *   mt('send','event', name, properties?, {onload,onerror}?)   custom event
 * A send goes by CORS POST to {base}/mtc/event, else by image GET to
 * {base}/mtracking.gif with the same parameters; onload fires on either.
 * Sends go out one at a time, in order. Every send carries the visit id of
 * the first-party cookie mtc_session (30 minutes, refreshed on each send).
 * No fingerprinting. User doc: docs/tracker.md. */
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
  var SESSION_S = 1800; // mtc_session lifetime in seconds, renewed by every send
  var MAX_PROPS = 32768; // bytes of event_properties JSON the server accepts
  var own = function (o, k) { return Object.prototype.hasOwnProperty.call(o, k); };

  function ls(k, v) { // localStorage get (v undefined) or set; may be disabled
    try { if (v === undefined) return w.localStorage.getItem(k); w.localStorage.setItem(k, v); } catch (e) {}
    return null;
  }

  // User callbacks must not break us; rethrow later so the console shows it.
  function call(fn, arg) {
    if (typeof fn === 'function') try { fn(arg); } catch (e) { setTimeout(function () { throw e; }, 0); }
  }

  // prefix + 24 x [0-9a-z] (~124 random bits). Bytes >= 252 are skipped so
  // every digit is equally likely.
  function randomId(prefix) {
    var id = prefix, n = prefix.length + 24, b = new Uint8Array(32), c = w.crypto, j;
    while (id.length < n) {
      if (c && c.getRandomValues) c.getRandomValues(b);
      else for (j = 0; j < 32; j++) b[j] = Math.random() * 256;
      for (j = 0; j < 32 && id.length < n; j++) if (b[j] < 252) id += (b[j] % 36).toString(36);
    }
    return id;
  }

  // First-party cookies on the page's own host (no Domain attribute).
  function getCookie(k) { // k: a plain name, no regex metacharacters
    try {
      var m = new RegExp('(?:^|;\\s*)' + k + '=([^;]*)').exec(d.cookie);
      return m ? decodeURIComponent(m[1]) : null;
    } catch (e) { return null; } // sandboxed frame, or a malformed escape
  }
  function setCookie(k, v, maxAge) {
    try {
      d.cookie = k + '=' + encodeURIComponent(v) + '; path=/; max-age=' + maxAge + '; SameSite=Lax' +
        (w.location.protocol === 'https:' ? '; secure' : '');
    } catch (e) {}
  }

  // Visit id: cookie mtc_session = 's' + 24 x [0-9a-z], the same for every send
  // until 30 minutes pass without one. Each send renews the cookie. If cookies
  // are refused, the id is kept in memory, so one page load still has one id.
  var SESSION_RE = /^s[0-9a-z]{24}$/, memSession = null, memSessionAt = 0;
  function sessionId() {
    var id = getCookie('mtc_session'), now = new Date().getTime();
    if (!id || !SESSION_RE.test(id)) {
      id = memSession && now - memSessionAt < SESSION_S * 1000 ? memSession : randomId('s');
    }
    memSession = id;
    memSessionAt = now;
    setCookie('mtc_session', id, SESSION_S);
    return id;
  }

  function collect() {
    var n = w.navigator, lang = n.language || n.userLanguage || '', ua = n.userAgent || '', p = {
      page_title: d.title,
      page_language: lang,
      preferred_locale: lang.replace('-', '_'),
      page_referrer: d.referrer, // the full URL, not only its host
      page_url: w.location.href,
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

  // First-party cookies (1 year) + localStorage for the contact the server
  // answered.
  function remember(r) {
    if (!r || r.id === undefined || r.id === null) return;
    setCookie('mtc_id', String(r.id), 31536000);
    ls('mtc_id', String(r.id));
    if (r.device_id) {
      setCookie('mautic_device_id', r.device_id, 31536000);
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
    try { item.body = serialize(item.params); } catch (e) { // e.g. a lone surrogate
      done();
      return call(item.cb.onerror, e);
    }
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

  function callbacks(cb) { return cb && typeof cb === 'object' ? cb : {}; }

  // Queues one send: a new eid, the visit id (renewing its cookie), then pump.
  function enqueue(p, cb) {
    var sid = sessionId(); // always: each send renews the cookie
    if (!p.eid) p.eid = randomId('e'); // client event id: a retry is stored once
    if (!p.session_id) p.session_id = sid;
    queue.push({ params: p, cb: cb });
    pump();
  }

  function pageview(fields, cb) {
    var p = collect(), k;
    p.counter = counter++;
    // Fields override what was collected (even eid and session_id).
    if (fields && typeof fields === 'object') for (k in fields) if (own(fields, k)) p[k] = fields[k];
    enqueue(p, callbacks(cb));
  }

  // Custom event (a click, a field fill, a video view...). The properties go
  // as one JSON object, not flattened. A bad call is never sent and never
  // throws: onerror gets an Error, asynchronously like any other outcome.
  function customEvent(name, props, cb) {
    var p = collect(), json = null, problem = null;
    cb = callbacks(cb);
    if (typeof name !== 'string' || !name) problem = 'event name must be a non-empty string';
    else if (props !== undefined && props !== null) {
      if (typeof props !== 'object' || props instanceof Array) problem = 'event properties must be an object';
      else {
        try {
          json = JSON.stringify(props); // throws on cycles and BigInt
          // toJSON() may turn the object into something else.
          if (typeof json !== 'string' || json.charAt(0) !== '{') problem = 'event properties must be an object';
          // UTF-8 length (each %XX is one byte); throws on a lone surrogate.
          else if (encodeURIComponent(json).replace(/%[0-9A-F]{2}/g, '.').length > MAX_PROPS) {
            problem = 'event properties exceed 32 KB of JSON';
          }
        } catch (e) { problem = 'event properties are not JSON: ' + e.message; }
      }
    }
    if (problem) return setTimeout(function () { call(cb.onerror, new Error('mt: ' + problem)); }, 0);
    p.mt_type = 'event';
    p.event_name = name;
    if (json && json !== '{}') p.event_properties = json;
    enqueue(p, cb);
  }

  // One mt(...) call; unknown verbs are ignored.
  var started = false, pending = stub && stub.q ? [].slice.call(stub.q) : [];
  function handle(args) {
    if (!started) return pending.push(args);
    if (!args || args[0] !== 'send') return;
    if (args[1] === 'pageview') pageview(args[2], args[3]);
    else if (args[1] === 'event') customEvent(args[2], args[3], args[4]);
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
