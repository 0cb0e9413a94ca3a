// The Marbles UI: owners' marbles as colored circles, create with "+",
// drag to another owner (transfer) or to the trash (delete), the BLOCKS strip,
// block contents, a marble's history, the transaction story and reward points.
// Plain JavaScript over the classic Marbles websocket (/ws); no libraries.
//
// Dragging uses pointer events (not HTML5 drag and drop): they work the same
// with a mouse, a pen or a finger, and WebDriver actions drive them reliably.
'use strict';

const SIZES = { '35': 35, '16': 16 };
const KEEP_BLOCKS = 14; // squares kept in the strip; older ones leave the DOM

const $ = (id) => document.getElementById(id);
const state = {
  socket: null,
  company: null,       // the company the UI acts as
  companies: [],
  everything: null,
  height: 0,           // blocks committed (Fabric's height)
  shownBlocks: 0,      // squares drawn so far (block numbers < shownBlocks)
  points: new Map(),   // owner id -> reward points
  auditing: null,      // marble id whose history is open
  story: null,         // { type, steps: Set, failed }
  renders: [],         // render durations in ms (for benchmarks)
  pointsStore: null,   // { project, logstore } from app_state: where reward lines are
};
window.marbles = state;
state.render = render; // for benchmarks: time a full render from the console

// ---------- websocket ----------

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${scheme}://${location.host}/ws`);
  state.socket = socket;
  socket.onopen = () => {
    setConn('connected', true);
    send({ type: 'read_everything', v: 1 });
  };
  socket.onclose = () => {
    setConn('disconnected — reconnecting…', false);
    setTimeout(connect, 1000);
  };
  socket.onmessage = (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch (e) { return; }
    const handler = HANDLERS[message.msg];
    if (handler) handler(message);
  };
}

function send(message) {
  if (state.socket && state.socket.readyState === WebSocket.OPEN) {
    state.socket.send(JSON.stringify(message));
    return true;
  }
  toast('Not connected to the Marbles server');
  return false;
}

function setConn(text, ok) {
  const conn = $('conn');
  conn.textContent = text;
  conn.classList.toggle('ok', ok);
}

const HANDLERS = {
  app_state(message) {
    const steps = message.state || {};
    const failed = Object.entries(steps).find(([, s]) => s.state === 'failed');
    const waiting = Object.entries(steps).find(([, s]) => s.state !== 'success');
    $('app-state').textContent = failed
      ? `startup failed at ${failed[0]}: ${failed[1].error || ''}`
      : waiting ? `starting: ${waiting[0]}…` : 'ready';
    $('app-state').dataset.ready = String(!failed && !waiting);
    if (message.points && !state.pointsStore) {
      state.pointsStore = message.points;
      loadPoints();
      // Grants land after the block that earned them (the rewards function
      // runs on the block topic), so refresh now and then, not only on blocks.
      setInterval(() => { if (!document.hidden) loadPoints(); }, 2000);
    }
    if (Array.isArray(message.companies) && state.companies.length === 0) {
      state.companies = message.companies;
      const select = $('company');
      for (const name of message.companies) select.add(new Option(name, name));
      state.company = localStorage.getItem('marbles.company') || message.company;
      if (!message.companies.includes(state.company)) state.company = message.company;
      select.value = state.company;
    }
  },
  block(message) { showHeight(message.block_height); },
  everything(message) {
    state.everything = message.everything;
    render();
    if (state.auditing) send({ type: 'audit', marble_id: state.auditing });
    loadPoints();
  },
  history(message) { showHistory(message.data); },
  tx_step(message) { storyStep(message.state, message.type); },
  tx_error(message) {
    const error = $('story-error');
    error.hidden = false;
    error.textContent = (message.e && message.e.parsed) || 'the transaction failed';
  },
  error(message) { toast(typeof message.e === 'string' ? message.e : JSON.stringify(message.e)); },
};

// ---------- owners and marbles ----------

/** Draws every company and owner; reuses ball elements by marble id. */
function render() {
  const started = performance.now();
  const everything = state.everything;
  if (!everything) return;
  const byOwner = new Map();
  for (const group of Object.values(everything.marbles || {})) {
    for (const marble of group.marbles) {
      const id = marble.owner && marble.owner.id;
      if (!byOwner.has(id)) byOwner.set(id, []);
      byOwner.get(id).push(marble);
    }
  }
  const companies = new Map();
  for (const owner of everything.owners || []) {
    if (!companies.has(owner.company)) companies.set(owner.company, []);
    companies.get(owner.company).push(owner);
  }
  const old = new Map();
  for (const ball of document.querySelectorAll('#companies .ball')) old.set(ball.dataset.id, ball);
  const root = document.createDocumentFragment();
  for (const [company, owners] of companies) {
    const panel = el('section', 'company-panel');
    panel.dataset.company = company;
    panel.classList.toggle('my-company', company === state.company);
    panel.append(el('h2', 'company-name', company));
    for (const owner of owners) panel.append(ownerPanel(owner, byOwner.get(owner.id) || [], old));
    root.append(panel);
  }
  $('companies').replaceChildren(root);
  const ms = performance.now() - started;
  state.renders.push(ms);
  document.body.dataset.renders = String(state.renders.length);
}

function ownerPanel(owner, marbles, old) {
  const panel = el('div', 'owner-panel drop-target');
  panel.dataset.ownerId = owner.id;
  panel.dataset.username = owner.username;
  const head = el('div', 'owner-head');
  head.append(el('span', 'owner-name', owner.username));
  const points = el('span', 'points', `${state.points.get(owner.id) || 0} pts`);
  points.title = 'Reward points (from the rewards function\'s log lines)';
  head.append(points);
  const add = el('button', 'add-marble', '+');
  add.type = 'button';
  add.title = `Create a marble for ${owner.username}`;
  head.append(add);
  if (owner.company === state.company) {
    const disable = el('button', 'disable-owner', '×');
    disable.type = 'button';
    disable.title = `Disable Owner ${owner.username} (hides the owner; classic's "Disable Owner")`;
    head.append(disable);
  }
  panel.append(head);
  const wrap = el('div', 'marbles');
  if (marbles.length === 0) wrap.append(el('span', 'muted', 'lost all marbles'));
  for (const marble of marbles) {
    let ball = old.get(marble.id);
    if (!ball) {
      ball = el('span', 'ball');
      ball.dataset.id = marble.id;
    }
    const px = SIZES[String(marble.size)] || 16;
    ball.className = px >= 35 ? 'ball large' : 'ball small';
    ball.style.background = marble.color;
    ball.dataset.color = marble.color;
    ball.title = `${marble.id} (${marble.color}, ${marble.size})`;
    wrap.append(ball);
  }
  panel.append(wrap);
  return panel;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---------- create ----------

let createFor = null;
document.addEventListener('click', (event) => {
  const add = event.target.closest('.add-marble');
  if (!add) return;
  const panel = add.closest('.owner-panel');
  createFor = { owner_id: panel.dataset.ownerId, username: panel.dataset.username };
  $('create-owner').textContent = createFor.username;
  $('create-panel').showModal();
});
$('create-form').addEventListener('submit', (event) => {
  if (event.submitter && event.submitter.value !== 'create') return;
  if (!createFor) return;
  const message = {
    type: 'create', v: 1,
    color: $('create-color').value,
    size: $('create-size').value,
    owner_id: createFor.owner_id,
    username: createFor.username,
    authed_by_company: state.company,
  };
  if (send(message)) storyStart('create');
});

document.addEventListener('click', (event) => {
  const disable = event.target.closest('.disable-owner');
  if (!disable) return;
  const panel = disable.closest('.owner-panel');
  if (!window.confirm(`Disable ${panel.dataset.username}? The owner disappears from the UI.`)) return;
  if (send({ type: 'disable_owner', owner_id: panel.dataset.ownerId, authed_by_company: state.company })) {
    storyStart('disable_owner');
  }
});

// ---------- drag (pointer events) ----------

let drag = null;
document.addEventListener('pointerdown', (event) => {
  const ball = event.target.closest('#companies .ball');
  if (!ball || event.button !== 0) return;
  drag = { ball, x: event.clientX, y: event.clientY, ghost: null };
  event.preventDefault();
});
document.addEventListener('pointermove', (event) => {
  if (!drag) return;
  if (!drag.ghost) {
    if (Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) < 4) return;
    drag.ghost = drag.ball.cloneNode(true);
    drag.ghost.classList.add('ghost');
    document.body.append(drag.ghost);
    drag.ball.classList.add('dragging');
  }
  drag.ghost.style.left = `${event.clientX}px`;
  drag.ghost.style.top = `${event.clientY}px`;
  highlight(dropTarget(event.clientX, event.clientY));
});
document.addEventListener('pointerup', (event) => {
  if (!drag) return;
  const { ball, ghost } = drag;
  drag = null;
  highlight(null);
  if (!ghost) { audit(ball.dataset.id); return; }
  ghost.remove();
  ball.classList.remove('dragging');
  const target = dropTarget(event.clientX, event.clientY);
  if (!target) return;
  const from = ball.closest('.owner-panel').dataset.ownerId;
  if (target.id === 'trashbin') {
    if (send({ type: 'delete_marble', id: ball.dataset.id, v: 1, authed_by_company: state.company })) {
      ball.classList.add('pending');
      storyStart('delete_marble');
    }
  } else if (target.dataset.ownerId !== from) {
    if (send({ type: 'transfer_marble', id: ball.dataset.id, owner_id: target.dataset.ownerId, v: 1, authed_by_company: state.company })) {
      target.querySelector('.marbles').append(ball);
      ball.classList.add('pending');
      storyStart('transfer_marble');
    }
  }
});
document.addEventListener('pointercancel', () => {
  if (drag && drag.ghost) { drag.ghost.remove(); drag.ball.classList.remove('dragging'); }
  drag = null;
  highlight(null);
});

function dropTarget(x, y) {
  const under = document.elementFromPoint(x, y);
  return under ? under.closest('.owner-panel, #trashbin') : null;
}

let lit = null;
function highlight(target) {
  if (lit === target) return;
  if (lit) lit.classList.remove('over');
  lit = target;
  if (lit) lit.classList.add('over');
}

// ---------- audit ----------

document.addEventListener('contextmenu', (event) => {
  const ball = event.target.closest('#companies .ball');
  if (!ball) return;
  event.preventDefault();
  audit(ball.dataset.id);
});

function audit(id) {
  state.auditing = id;
  $('audit-title').textContent = `History of ${id}`;
  $('audit-list').replaceChildren(el('li', 'muted', 'loading…'));
  $('audit-panel').hidden = false;
  send({ type: 'audit', marble_id: id });
}

function showHistory(data) {
  const list = $('audit-list');
  if (!data || data.error) {
    list.replaceChildren(el('li', 'error', (data && data.error) || 'no history'));
    return;
  }
  const items = (Array.isArray(data.parsed) ? data.parsed : []).slice().reverse(); // oldest first
  const nodes = items.map((tx, i) => {
    const li = el('li', 'tx');
    const value = tx.value || {};
    const owner = value.owner || {};
    li.append(el('strong', '', `TX ${i + 1}`));
    li.append(el('div', '', `Transaction: ${String(tx.txId).slice(0, 14)}...`));
    li.append(el('div', '', value.id ? `Owner: ${owner.username}` : 'Deleted'));
    if (value.id) li.append(el('div', '', `Company: ${owner.company}`));
    if (value.id) li.append(el('div', '', `Owner Id: ${owner.id}`));
    return li;
  });
  list.replaceChildren(...nodes);
  if (!data.peers_agree) list.append(el('li', 'error', 'peers disagree'));
}

// ---------- blocks ----------

function showHeight(height) {
  if (typeof height !== 'number' || height <= state.height) return;
  state.height = height;
  $('height').textContent = `height ${height}`;
  const list = $('block-list');
  const first = Math.max(state.shownBlocks, height - KEEP_BLOCKS);
  for (let n = first; n < height; n++) {
    const block = el('button', 'block', String(n).padStart(3, '0'));
    block.type = 'button';
    block.dataset.n = String(n);
    if (n >= 1000) block.classList.add(n >= 1000000 ? 'million' : 'thousands');
    block.title = `Block ${n} has been committed to the ledger`;
    list.append(block);
  }
  state.shownBlocks = height;
  while (list.children.length > KEEP_BLOCKS) list.firstElementChild.remove();
  document.body.dataset.height = String(height);
}

$('block-list').addEventListener('click', async (event) => {
  const block = event.target.closest('.block');
  if (!block) return;
  const n = block.dataset.n;
  $('block-detail').hidden = false;
  $('block-title').textContent = `Block ${n}`;
  const body = $('block-txs');
  body.replaceChildren();
  try {
    const response = await fetch(`/ledger/v1/blocks/${n}`);
    const json = await response.json();
    if (!response.ok) throw new Error(json.message || response.statusText);
    for (const tx of json.txs || []) {
      const row = el('tr');
      row.append(el('td', 'mono', String(tx.txId || '').slice(0, 16)));
      row.append(el('td', '', tx.function || ''));
      row.append(el('td', tx.validationCode === 'VALID' ? 'code valid' : 'code invalid', tx.validationCode));
      body.append(row);
    }
    $('block-detail').dataset.loaded = n;
  } catch (e) {
    body.replaceChildren(el('tr', 'error', `cannot load block ${n}: ${e.message}`));
  }
});

// ---------- transaction story ----------

const STEP_ORDER = ['proposal', 'endorsing', 'ordering', 'committing', 'finished'];

function storyStart(type) {
  state.story = { type };
  $('story-title').textContent = `${type}: endorsing…`;
  $('story-error').hidden = true;
  markSteps('endorsing', false);
}

function storyStep(step, type) {
  const failed = step.endsWith('_failed');
  const at = failed ? step.replace('_failed', '') : step;
  if (!state.story || state.story.type !== type) state.story = { type };
  markSteps(at, failed);
  $('story-title').textContent = `${type}: ${step}`;
  if (failed || step === 'finished') {
    const line = el('li', failed ? 'error' : 'ok', `${type} → ${step}`);
    if (failed) {
      // tx_error arrives just before the failed step.
      line.textContent += `: ${$('story-error').textContent}`;
    }
    $('tx-history').prepend(line);
    // A failed transfer or delete leaves the ledger as it was: undo the
    // optimistic move by drawing the last known state again.
    if (failed) render();
    while ($('tx-history').children.length > 8) $('tx-history').lastElementChild.remove();
  }
}

function markSteps(current, failed) {
  const index = STEP_ORDER.indexOf(current);
  for (const li of document.querySelectorAll('#story-steps li')) {
    const i = STEP_ORDER.indexOf(li.dataset.step);
    li.className = i < index || (current === 'finished' && i === index) ? 'done'
      : i === index ? (failed ? 'failed' : 'active') : '';
  }
}

// ---------- reward points ----------

let pointsLoading = false;
/**
 * Each owner's reward points: the rewards function logs one JSON line per
 * grant (`{"kind":"reward","owner","points",...}`), and the logstore sums
 * them with an SLS query. No logstore or no grants yet means 0.
 */
const POINTS_QUERY = "functionName:rewards and message.kind:reward | select json_extract_scalar(message, '$.owner') as owner, sum(cast(json_extract_scalar(message, '$.points') as bigint)) as points group by owner";
async function loadPoints() {
  const store = state.pointsStore;
  if (pointsLoading || !store) return;
  pointsLoading = true;
  try {
    const now = Math.floor(Date.now() / 1000);
    const query = new URLSearchParams({
      type: 'log', from: String(now - 30 * 86400), to: String(now + 60),
      query: POINTS_QUERY, project: store.project,
    });
    const response = await fetch(`/logstores/${encodeURIComponent(store.logstore)}?${query}`);
    if (!response.ok) throw new Error(`GetLogs answered ${response.status}`);
    const points = new Map();
    for (const row of await response.json()) {
      const n = Number(row.points);
      if (row.owner && Number.isFinite(n)) points.set(row.owner, n);
    }
    state.points = points;
    document.body.dataset.pointsLoaded = String(Number(document.body.dataset.pointsLoaded || 0) + 1);
    for (const panel of document.querySelectorAll('.owner-panel')) {
      panel.querySelector('.points').textContent = `${points.get(panel.dataset.ownerId) || 0} pts`;
    }
  } catch (e) {
    // No logstore or no reward lines yet: everyone keeps 0 points.
  } finally {
    pointsLoading = false;
  }
}

// ---------- misc ----------

$('company').addEventListener('change', (event) => {
  state.company = event.target.value;
  localStorage.setItem('marbles.company', state.company);
  render();
});

let toastTimer = null;
function toast(text) {
  const node = $('toast');
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.hidden = true; }, 6000);
}

connect();
