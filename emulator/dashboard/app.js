// Messages Stream: the emulator's dashboard. Talks only to this emulator's read-only API
// (/_dashboard/api/...) and, for the test-message form, to the protocol's POST /emit, always
// with the secret entered by the user or given by the one-time login link (kept in this tab's
// sessionStorage). Every value from
// the server is put into the page as text (textContent), never as HTML.
'use strict';

(() => {
  const SECRET_STORAGE_KEY = 'buildable.dashboard.secret';
  const POLL_INTERVAL_MS = 1000;
  const PAGE_SIZE = 50;
  const MAX_LIVE_ROWS = 200; // the API's largest page: the newest rows refreshed at each poll
  const FILTER_DEBOUNCE_MS = 250;
  const EVENT_NAMES_EVERY_POLLS = 10;
  // Deeper arrays and objects are not shown: keeps the printer's recursion shallow whatever
  // the stored JSON holds (the browser's own JSON.stringify overflows its stack on deep values).
  const MAX_SHOWN_DEPTH = 64;
  const DEEPER_THAN_SHOWN = `… nested deeper than ${MAX_SHOWN_DEPTH} levels`;
  // The per-message summary computed by the API, as shown.
  const SUMMARY_LABELS = {
    failed: 'failed',
    'partly-failed': 'partly failed',
    processing: 'processing',
    finished: 'finished',
    'no-transactions': 'no transactions',
  };

  const $ = (id) => document.getElementById(id);

  const state = {
    secret: null,
    rows: [], // newest first, each as the API returns it
    nextCursor: null, // where older rows continue, null = all loaded
    generation: 0, // bumped by every filter change: answers to older requests are dropped
    queue: Promise.resolve(), // list fetches run one at a time
    pollTimer: null,
    polls: 0,
    loading: false, // a reload is in flight
    filters: null, // those of the latest reload; polls and older pages use them, not the inputs
    loadingMore: false,
    cards: new Map(), // message key -> {element, signature}
  };

  // ---- API ----------------------------------------------------------------------------------

  class Unauthorized extends Error {}

  async function api(path, params = {}) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
    }
    const url = `/_dashboard/api/${path}${query.toString() ? `?${query}` : ''}`;
    const response = await fetch(url, {
      headers: { 'X-Buildable-Secret': state.secret },
      cache: 'no-store',
      credentials: 'omit',
    });
    const body = await response.json().catch(() => ({}));
    if (response.status === 401) throw new Unauthorized(body.message || 'invalid secret');
    if (!response.ok) throw new Error(body.message || `HTTP ${response.status}`);
    return body;
  }

  function currentFilters() {
    return {
      event: $('filter-event').value.trim(),
      txKey: $('filter-tx-key').value.trim(),
      state: $('filter-state').value,
      search: $('filter-search').value,
    };
  }

  // Runs `task` after the list fetches queued before it; `task` gets the generation it was
  // queued in and should drop its result when a filter changed meanwhile.
  function enqueue(task) {
    const generation = state.generation;
    state.queue = state.queue.then(() => task(generation)).catch(handleError);
    return state.queue;
  }

  // ---- Session ------------------------------------------------------------------------------

  // The token of a one-time login link (`/#login=<token>`), removed from the address bar and
  // history at once so that it is neither bookmarked nor shown; null when there is none.
  function takeLoginToken() {
    const match = /^#login=([0-9a-f]+)$/.exec(window.location.hash);
    if (!match) return null;
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return match[1];
  }

  // Trades the link's token for its key's secret (once: the emulator forgets the token).
  async function redeemLoginToken(token) {
    const response = await fetch('/_dashboard/api/login', {
      method: 'POST',
      headers: { 'X-Buildable-Dashboard-Token': token },
      cache: 'no-store',
      credentials: 'omit',
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok || typeof body.secret !== 'string') {
      throw new Unauthorized(body.message || `HTTP ${response.status}`);
    }
    return body.secret;
  }

  async function connect(secret) {
    state.secret = secret;
    const session = await api('session'); // throws Unauthorized for a wrong secret
    sessionStorage.setItem(SECRET_STORAGE_KEY, secret);
    $('secret-input').value = ''; // not left in the (hidden) form
    $('session-key').textContent = session.keyName;
    const environment = $('session-environment');
    environment.textContent = session.environment;
    environment.className = `env env-${session.environment}`;
    $('connect-panel').hidden = true;
    $('session').hidden = false;
    $('dashboard').hidden = false;
    refreshEventNames();
    reload({ force: true });
    schedulePoll();
  }

  function disconnect(message) {
    state.secret = null;
    state.generation += 1;
    sessionStorage.removeItem(SECRET_STORAGE_KEY);
    clearTimeout(state.pollTimer);
    state.pollTimer = null;
    state.rows = [];
    state.nextCursor = null;
    setLoading(false);
    render();
    $('dashboard').hidden = true;
    $('session').hidden = true;
    $('connect-panel').hidden = false;
    $('secret-input').value = '';
    showText($('connect-error'), message || '');
  }

  function handleError(error) {
    if (error instanceof Unauthorized) {
      disconnect('The secret was not accepted by this emulator.');
      return;
    }
    setLiveStatus(`connection problem: ${error.message}`, 'broken');
  }

  // Connects with the key of the login link in the address bar, if any (true then). When the
  // link was already used, a `fallback` secret (this tab's saved one, on a reload) is used.
  function loginWithLink(fallback) {
    const token = takeLoginToken();
    if (!token) return false;
    redeemLoginToken(token)
      .then((secret) => connect(secret))
      .catch((error) => {
        if (fallback) {
          connect(fallback).catch(() => disconnect('The saved secret is no longer accepted.'));
        } else {
          disconnect(
            error instanceof Unauthorized
              ? 'This login link was already used or is not valid: paste a secret key.'
              : `Cannot reach the emulator: ${error.message}`,
          );
        }
      });
    return true;
  }

  // ---- Loading ------------------------------------------------------------------------------

  function compareCursors(a, b) {
    const [aTime, aSeq] = a.split(':').map(Number);
    const [bTime, bSeq] = b.split(':').map(Number);
    return aTime !== bTime ? aTime - bTime : aSeq - bSeq;
  }

  // A filter changed (or first load): start over from the newest message. Input events that
  // leave the filters as they were (typing a character and deleting it) change nothing.
  function reload({ force = false } = {}) {
    const filters = currentFilters();
    if (!force && JSON.stringify(filters) === JSON.stringify(state.filters)) return state.queue;
    state.filters = filters;
    state.generation += 1;
    state.rows = [];
    state.nextCursor = null;
    setLoading(true);
    render();
    return enqueue(async (generation) => {
      try {
        const page = await api('messages', { ...filters, limit: PAGE_SIZE });
        if (generation !== state.generation) return;
        state.rows = page.messages;
        state.nextCursor = page.nextCursor;
        // Which filters the list shows (the inputs may be ahead of it while typing).
        $('messages').dataset.filters = JSON.stringify(filters);
        setLiveStatus(`live · updated ${clock(Date.now())}`, 'live');
      } finally {
        if (generation === state.generation) {
          setLoading(false);
          render();
          if (endOfListInView()) loadMore();
        }
      }
    });
  }

  // While a (re)load is in flight the list is empty but not "no messages match" (aria-busy
  // also tells tests and assistive technology to wait).
  function setLoading(loading) {
    state.loading = loading;
    $('messages').setAttribute('aria-busy', String(loading));
  }

  function loadMore() {
    if (!state.nextCursor || state.loadingMore) return;
    state.loadingMore = true;
    enqueue(async (generation) => {
      try {
        if (!state.nextCursor) return;
        const page = await api('messages', {
          ...state.filters,
          limit: PAGE_SIZE,
          before: state.nextCursor,
        });
        if (generation !== state.generation) return;
        const known = new Set(state.rows.map((row) => row.key));
        state.rows = state.rows.concat(page.messages.filter((row) => !known.has(row.key)));
        state.nextCursor = page.nextCursor;
        render();
      } finally {
        state.loadingMore = false;
      }
      // The observer reports changes only: with the end of the list still in view (a short
      // page, a tall window), keep loading.
      if (generation === state.generation && endOfListInView()) loadMore();
    });
  }

  // Whether the end of the loaded list is on screen now (infinite scroll).
  function endOfListInView() {
    const sentinel = $('sentinel');
    if (sentinel.offsetParent === null) return false; // the list is hidden
    const box = sentinel.getBoundingClientRect();
    return box.top < window.innerHeight && box.bottom >= 0;
  }

  // Refreshes the newest rows (up to MAX_LIVE_ROWS): new messages appear on top and the states
  // of the loaded ones follow their transactions. Older loaded rows stay as they were.
  function poll() {
    return enqueue(async (generation) => {
      const limit = Math.min(Math.max(state.rows.length, PAGE_SIZE), MAX_LIVE_ROWS);
      const head = await api('messages', { ...state.filters, limit });
      if (generation !== state.generation) return;
      const boundary = head.nextCursor; // the head's oldest row; null: the head is all there is
      const newestLoaded = state.rows[0];
      const gap = boundary !== null && newestLoaded !== undefined &&
        compareCursors(newestLoaded.cursor, boundary) < 0; // more new rows than one head holds
      if (boundary === null || gap) {
        state.rows = head.messages;
        state.nextCursor = boundary;
      } else {
        const older = state.rows.filter((row) => compareCursors(row.cursor, boundary) < 0);
        state.rows = head.messages.concat(older);
        if (older.length === 0) state.nextCursor = boundary;
      }
      render();
      setLiveStatus(`live · updated ${clock(Date.now())}`, 'live');
    });
  }

  // Polls again POLL_INTERVAL_MS after an answer, or later when answers are slow (a filter on
  // a large database), so that a dashboard never keeps the emulator busy.
  function schedulePoll(delay = POLL_INTERVAL_MS) {
    clearTimeout(state.pollTimer);
    state.pollTimer = setTimeout(async () => {
      if (!state.secret) return;
      let next = POLL_INTERVAL_MS;
      if (!document.hidden) {
        const started = performance.now();
        await poll();
        next = Math.max(POLL_INTERVAL_MS, 10 * (performance.now() - started));
        state.polls += 1;
        if (state.polls % EVENT_NAMES_EVERY_POLLS === 0) refreshEventNames();
      }
      if (state.secret) schedulePoll(next);
    }, delay);
  }

  async function refreshEventNames() {
    try {
      const { events } = await api('events');
      const list = $('event-names');
      list.replaceChildren(
        ...events.map((name) => {
          const option = document.createElement('option');
          option.value = name;
          return option;
        }),
      );
    } catch (error) {
      handleError(error);
    }
  }

  // ---- Rendering ----------------------------------------------------------------------------

  const pad = (n, width = 2) => String(n).padStart(width, '0');

  function clock(ms) {
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  function timestamp(ms) {
    const d = new Date(ms);
    return (
      `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
      `${clock(ms)}.${pad(d.getMilliseconds(), 3)}`
    );
  }

  function duration(ms) {
    if (ms < 1000) return `${ms} ms`;
    if (ms < 60000) return `${(ms / 1000).toFixed(2)} s`;
    return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
  }

  // JSON.stringify(value, null, indent), except that arrays and objects nested deeper than
  // MAX_SHOWN_DEPTH levels are replaced by the string DEEPER_THAN_SHOWN.
  function jsonText(value, indent = 0) {
    const write = (item, depth) => {
      if (item === null || typeof item !== 'object') return JSON.stringify(item) ?? 'null';
      if (depth >= MAX_SHOWN_DEPTH) return JSON.stringify(DEEPER_THAN_SHOWN);
      const isArray = Array.isArray(item);
      const parts = isArray
        ? item.map((child) => write(child, depth + 1))
        : Object.entries(item).map(
          ([name, child]) => `${JSON.stringify(name)}:${indent ? ' ' : ''}${write(child, depth + 1)}`,
        );
      const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
      if (parts.length === 0) return open + close;
      const inner = indent ? `\n${' '.repeat(indent * (depth + 1))}` : '';
      const outer = indent ? `\n${' '.repeat(indent * depth)}` : '';
      return `${open}${inner}${parts.join(`,${inner}`)}${outer}${close}`;
    };
    return write(value, 0);
  }

  // JSON for people: strings as themselves, everything else indented.
  function pretty(value) {
    return typeof value === 'string' ? value : jsonText(value, 2);
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setLiveStatus(text, kind) {
    const status = $('live-status');
    status.textContent = text;
    status.className = `live-status ${kind}`;
  }

  function showText(node, text) {
    node.textContent = text;
    node.hidden = !text;
  }

  // A transaction's time of day to the millisecond; the date is in the tooltip.
  function timeCell(ms) {
    const cell = element('td', 'when', `${clock(ms)}.${pad(new Date(ms).getMilliseconds(), 3)}`);
    cell.title = timestamp(ms);
    return cell;
  }

  function renderTransactions(row) {
    if (row.transactions.length === 0) {
      return element('p', 'no-transactions', 'no transaction yet (not handled by any txKey)');
    }
    const table = element('table', 'transactions');
    const head = element('tr');
    for (const title of ['txKey', 'state', 'output / error', 'started', 'ended', 'duration']) {
      head.append(element('th', '', title));
    }
    table.append(element('thead'));
    table.tHead.append(head);
    const body = element('tbody');
    for (const tx of row.transactions) {
      const tr = element('tr', 'transaction');
      tr.dataset.txKey = tx.txKey;
      tr.dataset.state = tx.state;
      tr.append(element('td', 'tx-key', tx.txKey));
      const stateCell = element('td');
      stateCell.append(element('span', `badge state-${tx.state}`, tx.state));
      tr.append(stateCell);
      const failed = tx.state === 'failed';
      const output = element('td', failed ? 'output failed' : 'output');
      if ('output' in tx) output.append(element('pre', '', pretty(tx.output)));
      else if (tx.state === 'processing') output.append(element('span', 'muted', 'running…'));
      tr.append(output);
      tr.append(timeCell(tx.startedAt));
      tr.append(tx.endedAt ? timeCell(tx.endedAt) : element('td', 'when', '—'));
      tr.append(element('td', 'when', 'durationMs' in tx ? duration(tx.durationMs) : '—'));
      body.append(tr);
    }
    table.append(body);
    return table;
  }

  function buildCard(row) {
    const card = element('article', 'message');
    card.dataset.key = row.key;
    card.dataset.event = row.eventName;

    const head = element('div', 'message-head');
    const time = element('time', 'time', timestamp(row.createdAt));
    time.dateTime = new Date(row.createdAt).toISOString();
    head.append(time);
    head.append(element('span', 'event', row.eventName));
    head.append(element('span', 'source', `${row.platform}/${row.label}`));
    head.append(element('span', `env env-${row.environment}`, row.environment));
    head.append(element('span', 'badge message-state'));
    head.append(element('code', 'key', row.key));
    card.append(head);

    // The payload never changes: built once, so its open/closed state survives the polls.
    const payload = element('details', 'payload');
    const summary = element('summary', '', 'payload ');
    summary.append(element('code', 'preview', jsonText(row.payload)));
    payload.append(summary);
    payload.append(element('pre', 'payload-json', pretty(row.payload)));
    card.append(payload);
    card.append(element('div', 'transactions-slot'));
    return card;
  }

  function updateCard(card, row) {
    for (const summary of Object.keys(SUMMARY_LABELS)) card.classList.remove(`summary-${summary}`);
    card.classList.add(`summary-${row.summary}`);
    card.classList.toggle(
      'has-failure',
      row.transactions.some((tx) => tx.state === 'failed'),
    );
    card.dataset.summary = row.summary;
    const badge = card.querySelector('.message-state');
    badge.textContent = SUMMARY_LABELS[row.summary] ?? row.summary;
    badge.className = `badge message-state summary-${row.summary}`;
    card.querySelector('.transactions-slot').replaceChildren(renderTransactions(row));
  }

  // Stands in for a message that could not be shown, so that it keeps its place in the list.
  function unrenderableCard(row, error) {
    const card = element('article', 'message unrenderable');
    card.dataset.key = row.key;
    const head = element('div', 'message-head');
    head.append(element('span', 'muted', `This message cannot be shown (${error.message}).`));
    head.append(element('code', 'key', row.key));
    card.append(head);
    return card;
  }

  // The card of `row`, built or updated when its row changed. A message that cannot be shown
  // gets a placeholder card instead of stopping the whole list.
  function cardFor(row) {
    let card = state.cards.get(row.key);
    const signature = jsonText([row.summary, row.transactions]);
    if (card && card.signature === signature) return card.element;
    try {
      if (!card || card.unrenderable) {
        card?.element.remove();
        card = { element: buildCard(row), signature: null, unrenderable: false };
        state.cards.set(row.key, card);
      }
      updateCard(card.element, row);
    } catch (error) {
      card?.element.remove();
      card = { element: unrenderableCard(row, error), signature: null, unrenderable: true };
      state.cards.set(row.key, card);
    }
    card.signature = signature; // an unrenderable row is tried again only once it changed
    return card.element;
  }

  // Keyed update of the list: cards are reused, reordered and updated only when their row
  // changed, so scrolling and opened payloads are not disturbed by the polls.
  function render() {
    const container = $('messages');
    const wanted = new Set(state.rows.map((row) => row.key));
    for (const [key, card] of state.cards) {
      if (!wanted.has(key)) {
        card.element.remove();
        state.cards.delete(key);
      }
    }
    let previous = null;
    for (const row of state.rows) {
      const card = cardFor(row);
      const expectedPosition = previous ? previous.nextSibling : container.firstChild;
      if (expectedPosition !== card) container.insertBefore(card, expectedPosition);
      previous = card;
    }

    const count = state.rows.length;
    $('list-empty').hidden = count !== 0 || !state.secret || state.loading;
    $('load-more').hidden = !state.nextCursor;
    if (state.loading) $('list-summary').textContent = 'loading…';
    else if (count === 0) $('list-summary').textContent = '';
    else {
      $('list-summary').textContent =
        `${count} message${count === 1 ? '' : 's'} shown, newest first` +
        (state.nextCursor ? ' · scroll for older ones' : '');
    }
  }

  // ---- Test-message form --------------------------------------------------------------------

  // The message to emit, or an error text; checked in the page before anything is sent.
  function validateEmitForm() {
    const event = $('emit-event').value.trim();
    if (!event) return { error: 'Enter an event name.' };
    let payload;
    try {
      payload = JSON.parse($('emit-payload').value);
    } catch (error) {
      return { error: `The payload is not valid JSON: ${error.message}` };
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      return { error: 'The payload must be a JSON object, e.g. {"name": "Ada"}.' };
    }
    return { event, payload };
  }

  function refreshEmitValidation() {
    const { error } = validateEmitForm();
    showText($('emit-error'), error || '');
    $('emit-submit').disabled = Boolean(error);
  }

  async function emitTestMessage(submitEvent) {
    submitEvent.preventDefault();
    const message = validateEmitForm();
    showText($('emit-result'), '');
    if (message.error) {
      refreshEmitValidation();
      return;
    }
    $('emit-submit').disabled = true;
    try {
      const response = await fetch('/emit', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Buildable-Secret': state.secret },
        body: JSON.stringify({ event: message.event, payload: message.payload }),
        cache: 'no-store',
        credentials: 'omit',
      });
      const body = await response.json().catch(() => ({}));
      if (response.status === 401) throw new Unauthorized(body.message || 'invalid secret');
      if (!response.ok) throw new Error(body.message || `HTTP ${response.status}`);
      showText($('emit-result'), `Emitted ${message.event}: key ${body.key}`);
      showText($('emit-error'), '');
      poll();
    } catch (error) {
      if (error instanceof Unauthorized) handleError(error);
      else showText($('emit-error'), `Emit failed: ${error.message}`);
    } finally {
      $('emit-submit').disabled = false;
    }
  }

  // ---- Wiring -------------------------------------------------------------------------------

  function debounce(fn, ms) {
    let timer = null;
    return () => {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function start() {
    $('connect-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const secret = $('secret-input').value.trim();
      if (!secret) return;
      showText($('connect-error'), '');
      try {
        await connect(secret);
      } catch (error) {
        if (error instanceof Unauthorized) disconnect('The secret was not accepted by this emulator.');
        else disconnect(`Cannot reach the emulator: ${error.message}`);
      }
    });
    $('disconnect').addEventListener('click', () => disconnect(''));

    const onFilterChange = debounce(() => reload(), FILTER_DEBOUNCE_MS);
    for (const id of ['filter-event', 'filter-tx-key', 'filter-search']) {
      $(id).addEventListener('input', onFilterChange);
    }
    $('filter-state').addEventListener('change', () => reload());
    $('filters').addEventListener('submit', (event) => {
      event.preventDefault();
      reload();
    });
    $('clear-filters').addEventListener('click', () => {
      $('filters').reset();
      reload();
    });

    $('emit-form').addEventListener('submit', emitTestMessage);
    $('emit-event').addEventListener('input', refreshEmitValidation);
    $('emit-payload').addEventListener('input', refreshEmitValidation);

    $('load-more').addEventListener('click', loadMore);
    // The observer's entries may be a frame old: the geometry is checked again when acting.
    new IntersectionObserver(() => {
      if (endOfListInView()) loadMore();
    }).observe($('sentinel'));

    // Also when the link is opened in a tab already showing the page (only the hash changes).
    window.addEventListener('hashchange', () => loginWithLink(null));
    const saved = sessionStorage.getItem(SECRET_STORAGE_KEY);
    if (!loginWithLink(saved) && saved) {
      connect(saved).catch((error) =>
        disconnect(
          error instanceof Unauthorized ? 'The saved secret is no longer accepted.' : error.message,
        ),
      );
    }
  }

  start();
})();
