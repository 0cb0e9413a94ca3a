// fclocal logs explorer. Reads the SLS-compatible API on this origin:
//   GET /logstores/{logstore}?type=log&from&to&query&line&offset&reverse
//   with header x-log-project: {project}
// and draws the histogram from /fclocal/web/histogram.svg.
(() => {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const el = {
    form: $('query-form'),
    project: $('project'),
    logstore: $('logstore'),
    query: $('query'),
    range: $('range'),
    from: $('from'),
    to: $('to'),
    customFrom: $('custom-range'),
    customTo: $('custom-range-to'),
    tail: $('tail'),
    error: $('error'),
    errorCode: $('error-code'),
    errorMessage: $('error-message'),
    errorWhere: $('error-where'),
    histogram: $('histogram'),
    status: $('status'),
    head: document.querySelector('#results thead'),
    body: document.querySelector('#results tbody'),
  };

  const RANGES = { '15m': 15 * 60, '1h': 60 * 60, '24h': 24 * 60 * 60 };
  const PREFERRED = ['functionName', 'requestId', 'level', 'message'];
  const TRAILING = ['__topic__', '__source__'];
  const LINES = 100;
  const MAX_ROWS = 1000;
  const TAIL_MS = 1000;
  const TAIL_LOOKBACK = 10;

  // What the table shows now.
  const view = { columns: [], sql: false, data: [], newest: 0 };
  // Live tail: a timer, the window's start, and the lines of the window
  // already shown (key -> __time__), so each line appears once.
  const tail = { timer: null, from: 0, shown: new Map(), busy: false, target: null };
  let runSeq = 0;
  let catalogue = [];

  class ApiError extends Error {
    constructor(code, message, position) {
      super(message);
      this.code = code;
      this.position = position;
    }
  }

  const nowSecs = () => Math.floor(Date.now() / 1000);
  const tzMinutes = () => -new Date().getTimezoneOffset();

  // Splits at the first `|` outside quotes: [search, analytic or null].
  function splitQuery(query) {
    let quote = null;
    for (let i = 0; i < query.length; i++) {
      const c = query[i];
      if (quote) {
        if (c === '\\') i++;
        else if (c === quote) quote = null;
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === '|') {
        return [query.slice(0, i).trim(), query.slice(i + 1).trim()];
      }
    }
    return [query.trim(), null];
  }

  // As the SLS SDKs decide: an analytic statement with `select` is SQL.
  function isSql(query) {
    const analytic = splitQuery(query)[1];
    return analytic !== null && /\bselect\b/i.test(analytic.replace(/'[^']*'|"[^"]*"/g, ''));
  }

  function selected() {
    return { project: el.project.value, logstore: el.logstore.value, query: el.query.value.trim() };
  }

  function timeRange() {
    if (el.range.value === 'custom') {
      const from = Math.floor(new Date(el.from.value).getTime() / 1000);
      const to = Math.floor(new Date(el.to.value).getTime() / 1000);
      if (!Number.isFinite(from) || !Number.isFinite(to)) {
        throw new ApiError('InvalidRange', 'Choose both ends of the custom time range.');
      }
      if (from >= to) throw new ApiError('InvalidRange', '"From" must be before "To".');
      return { from, to };
    }
    const to = nowSecs() + 1; // [from, to): include the current second
    return { from: to - (RANGES[el.range.value] || RANGES['15m']), to };
  }

  // ---- API -------------------------------------------------------------

  async function getLogs(target, params) {
    const search = new URLSearchParams({
      type: 'log',
      from: String(params.from),
      to: String(params.to),
      query: target.query || '*',
      line: String(params.line || LINES),
      offset: '0',
      reverse: String(params.reverse),
    });
    const url = '/logstores/' + encodeURIComponent(target.logstore) + '?' + search;
    const response = await fetch(url, {
      headers: { 'x-log-project': target.project, accept: 'application/json' },
      cache: 'no-store',
    });
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (_) { body = null; }
    if (!response.ok) {
      if (body && (body.errorCode || body.errorMessage)) {
        throw new ApiError(body.errorCode || ('HTTP ' + response.status), body.errorMessage || '', queryPosition(body));
      }
      throw new ApiError('HTTP ' + response.status, text.slice(0, 300) || response.statusText);
    }
    if (!Array.isArray(body)) throw new ApiError('BadResponse', 'The logstore API did not answer with a JSON array.');
    return {
      rows: body,
      sql: response.headers.get('x-log-has-sql') === 'true',
      complete: (response.headers.get('x-log-progress') || 'Complete') === 'Complete',
    };
  }

  // Where in the query an error points: a `position` (0-based) or `column`
  // (1-based) field of the error body, else the same words in its message.
  function queryPosition(body) {
    if (Number.isInteger(body.position)) return body.position;
    if (Number.isInteger(body.column)) return body.column - 1;
    const message = String(body.errorMessage || '');
    const column = /\bcol(?:umn)?\.?\s*:?\s*(\d+)/i.exec(message);
    if (column) return Number(column[1]) - 1;
    const position = /\b(?:position|offset|pos)\s*:?\s*(\d+)/i.exec(message);
    if (position) return Number(position[1]);
    return null;
  }

  // ---- error box ---------------------------------------------------------

  function showError(error, query) {
    el.errorCode.textContent = (error.code || 'Error') + ':';
    el.errorMessage.textContent = error.message;
    const position = error.position;
    if (Number.isInteger(position) && query && position >= 0 && position <= query.length) {
      el.errorWhere.textContent = query + '\n' + ' '.repeat(position) + '^';
      el.errorWhere.hidden = false;
    } else {
      el.errorWhere.hidden = true;
    }
    el.error.hidden = false;
  }

  function clearError() {
    el.error.hidden = true;
    el.errorWhere.hidden = true;
  }

  // ---- table -------------------------------------------------------------

  function columnsFor(rows, sql) {
    const keys = [];
    const known = new Set();
    for (const row of rows) {
      for (const key of Object.keys(row)) {
        if (!known.has(key)) { known.add(key); keys.push(key); }
      }
    }
    if (sql) return keys;
    const columns = ['__time__'];
    for (const key of PREFERRED) if (known.has(key)) columns.push(key);
    const rest = keys.filter((k) => !k.startsWith('__') && !PREFERRED.includes(k));
    columns.push(...rest);
    for (const key of TRAILING) if (known.has(key)) columns.push(key);
    columns.push(...keys.filter((k) => k.startsWith('__tag__:')));
    return columns;
  }

  function formatTime(secs) {
    const d = new Date(Number(secs) * 1000);
    if (Number.isNaN(d.getTime())) return String(secs);
    const p = (n) => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' +
      p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
  }

  function renderHead(columns) {
    const tr = document.createElement('tr');
    for (const column of columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = column === '__time__' && !view.sql ? 'time' : column;
      tr.appendChild(th);
    }
    el.head.replaceChildren(tr);
  }

  function rowElement(row, fresh) {
    const tr = document.createElement('tr');
    const level = String(row.level || '').toLowerCase();
    const message = String(row.message || '');
    if (level === 'error' || message.includes('[ERROR]')) tr.className = 'level-error';
    else if (level === 'warn' || level === 'warning') tr.className = 'level-warn';
    if (fresh) tr.classList.add('fresh');
    for (const column of view.columns) {
      const td = document.createElement('td');
      td.dataset.field = column;
      const value = row[column];
      if (column === '__time__' && !view.sql) {
        td.textContent = formatTime(value);
        td.title = String(value);
      } else {
        td.textContent = value === undefined || value === null ? '' : String(value);
      }
      tr.appendChild(td);
    }
    return tr;
  }

  function renderRows(rows, sql) {
    view.sql = sql;
    view.columns = columnsFor(rows, sql);
    view.data = rows.slice();
    view.newest = 0;
    for (const row of rows) view.newest = Math.max(view.newest, Number(row.__time__) || 0);
    renderHead(view.columns);
    el.body.replaceChildren(...rows.map((row) => rowElement(row, false)));
  }

  // Tail lines go on top: the table is newest first.
  function addTailRows(rows) {
    const columns = columnsFor(view.data.concat(rows), false);
    if (view.sql || columns.join('\n') !== view.columns.join('\n')) {
      // A new field appeared: redraw everything with the new columns.
      view.sql = false;
      view.columns = columns;
      renderHead(columns);
      el.body.replaceChildren(...view.data.map((row) => rowElement(row, false)));
    }
    for (const row of rows) {
      view.data.unshift(row);
      el.body.insertBefore(rowElement(row, true), el.body.firstChild);
      view.newest = Math.max(view.newest, Number(row.__time__) || 0);
    }
    if (view.data.length > MAX_ROWS) view.data.length = MAX_ROWS;
    while (el.body.rows.length > MAX_ROWS) el.body.deleteRow(-1);
  }

  // ---- histogram ---------------------------------------------------------

  function refreshHistogram(target, range) {
    const params = new URLSearchParams({
      project: target.project,
      logstore: target.logstore,
      query: splitQuery(target.query)[0] || '*',
      from: String(range.from),
      to: String(range.to),
      buckets: '60',
      tz: String(tzMinutes()),
      width: String(Math.max(320, Math.min(1600, Math.round(el.histogram.parentElement.clientWidth || 960)))),
    });
    el.histogram.src = '/fclocal/web/histogram.svg?' + params;
  }

  // ---- run ---------------------------------------------------------------

  function remember(target) {
    const params = new URLSearchParams(location.search);
    params.set('project', target.project);
    params.set('logstore', target.logstore);
    params.set('query', target.query);
    params.set('range', el.range.value);
    history.replaceState(null, '', location.pathname + '?' + params);
  }

  async function run() {
    const seq = ++runSeq;
    const target = selected();
    clearError();
    if (!target.project || !target.logstore) {
      showError(new ApiError('NoLogstore', 'Choose a project and a logstore.'));
      return;
    }
    let range;
    try {
      range = timeRange();
    } catch (error) {
      showError(error);
      return;
    }
    remember(target);
    refreshHistogram(target, range);
    el.status.textContent = 'Searching…';
    try {
      const result = await getLogs(target, { from: range.from, to: range.to, reverse: true });
      if (seq !== runSeq) return;
      const sql = result.sql || isSql(target.query);
      renderRows(result.rows, sql);
      const noun = sql ? (result.rows.length === 1 ? 'row' : 'rows') : (result.rows.length === 1 ? 'line' : 'lines');
      el.status.textContent = result.rows.length + ' ' + noun + (sql ? '' : ' (newest first, at most ' + LINES + ')') +
        (result.complete ? '' : ' — incomplete, narrow the range');
      if (el.tail.checked) startTail(target);
    } catch (error) {
      if (seq !== runSeq) return;
      renderRows([], false);
      el.status.textContent = '';
      showError(error, target.query);
    }
  }

  // ---- live tail (as `s logs --tail`: poll every second) ------------------

  function rowKey(row) {
    return JSON.stringify(Object.keys(row).sort().map((k) => [k, row[k]]));
  }

  function startTail(target) {
    stopTail();
    if (isSql(target.query)) {
      showError(new ApiError('TailUnavailable', 'Live tail follows search queries; remove the "| select …" part to tail.'));
      el.tail.checked = false;
      return;
    }
    tail.target = target;
    tail.from = Math.max(view.newest, nowSecs() - TAIL_LOOKBACK);
    tail.shown = new Map();
    for (const row of view.data) {
      const time = Number(row.__time__) || 0;
      if (time >= tail.from) tail.shown.set(rowKey(row), time);
    }
    tail.timer = setInterval(tailTick, TAIL_MS);
    el.status.textContent = 'Live tail on: new lines appear at the top.';
  }

  function stopTail() {
    if (tail.timer !== null) clearInterval(tail.timer);
    tail.timer = null;
    tail.target = null;
  }

  async function tailTick() {
    if (tail.busy || !tail.target) return;
    tail.busy = true;
    const target = tail.target;
    try {
      const result = await getLogs(target, { from: tail.from, to: nowSecs() + 1, reverse: false });
      if (tail.target !== target) return;
      const fresh = [];
      let newest = tail.from;
      for (const row of result.rows) {
        const key = rowKey(row);
        const time = Number(row.__time__) || 0;
        newest = Math.max(newest, time);
        if (!tail.shown.has(key)) {
          tail.shown.set(key, time);
          fresh.push(row);
        }
      }
      // Move the window up to the newest second seen (more lines may still
      // land in it), and forget lines that fell out of it.
      tail.from = newest;
      for (const [key, time] of tail.shown) if (time < tail.from) tail.shown.delete(key);
      if (fresh.length > 0) {
        addTailRows(fresh);
        el.status.textContent = 'Live tail on: ' + fresh.length + ' new ' +
          (fresh.length === 1 ? 'line' : 'lines') + ' at ' + formatTime(nowSecs()) + '.';
        if (el.range.value !== 'custom') refreshHistogram(target, timeRange());
      }
      clearError();
    } catch (error) {
      showError(error, target.query);
    } finally {
      tail.busy = false;
    }
  }

  // ---- pickers -----------------------------------------------------------

  function fillLogstores(wanted) {
    const project = catalogue.find((p) => p.name === el.project.value);
    const stores = project ? project.logstores : [];
    el.logstore.replaceChildren(...stores.map((name) => new Option(name, name)));
    if (wanted && stores.includes(wanted)) el.logstore.value = wanted;
  }

  async function loadCatalogue() {
    try {
      const response = await fetch('/fclocal/web/logstores.json', { cache: 'no-store' });
      const body = await response.json();
      if (!response.ok) throw new ApiError(body.errorCode || 'HTTP ' + response.status, body.errorMessage || '');
      catalogue = body.projects || [];
    } catch (error) {
      showError(error instanceof ApiError ? error : new ApiError('LogstoresUnavailable', String(error)));
      catalogue = [];
    }
    const params = new URLSearchParams(location.search);
    el.project.replaceChildren(...catalogue.map((p) => new Option(p.name, p.name)));
    if (catalogue.some((p) => p.name === params.get('project'))) el.project.value = params.get('project');
    fillLogstores(params.get('logstore'));
    if (params.has('query')) el.query.value = params.get('query');
    if (params.get('range') in RANGES) el.range.value = params.get('range');
    if (catalogue.length === 0) {
      el.status.textContent = 'No logstores yet: they appear once a function has logged.';
    }
  }

  function showCustomRange() {
    const custom = el.range.value === 'custom';
    el.customFrom.hidden = !custom;
    el.customTo.hidden = !custom;
    if (custom && !el.from.value) {
      const pad = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
      el.to.value = pad(new Date());
      el.from.value = pad(new Date(Date.now() - 60 * 60 * 1000));
    }
  }

  el.form.addEventListener('submit', (event) => {
    event.preventDefault();
    run();
  });
  el.project.addEventListener('change', () => fillLogstores(null));
  el.range.addEventListener('change', showCustomRange);
  el.tail.addEventListener('change', () => {
    if (el.tail.checked) {
      const target = selected();
      if (!target.project || !target.logstore) {
        el.tail.checked = false;
        showError(new ApiError('NoLogstore', 'Choose a project and a logstore to tail.'));
        return;
      }
      startTail(target);
    } else {
      stopTail();
      el.status.textContent = 'Live tail off.';
    }
  });

  loadCatalogue().then(() => {
    if (el.logstore.value) run();
  });
})();
