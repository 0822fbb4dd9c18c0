/**
 * SIMULATOR-ONLY routes. A real terminal has none of these: `GET /` is the customer-facing page
 * that mirrors the terminal screen, `/sim/*` is the simulator's control API behind it.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Channel } from '@qfpay-ecr/core';
import { channelLabel } from './channels.js';
import type { LastResult } from './device.js';
import { BodyTooLarge, readBody, send } from './http-util.js';
import type { BookEntry, ScreenState, SimCard } from './types.js';

/** What the page needs from the simulator. */
export interface WebDeps {
  screen(): ScreenState | null;
  last(): LastResult | null;
  transactions(): BookEntry[];
  approve(card?: SimCard): boolean;
  decline(code?: string): boolean;
  cancel(): boolean;
  merchantName: string;
  terminalId: string;
}

const SIM_HEADERS = { 'X-QFPay-Simulator': 'simulator-only route', 'Cache-Control': 'no-store' };
const JSON_HEADERS = { ...SIM_HEADERS, 'Content-Type': 'application/json; charset=utf-8' };

const approveBody = z.strictObject({ card: z.strictObject({ scheme: z.string().min(1).max(20), masked: z.string().regex(/^[0-9*]{8,19}$/) }).optional() });
const declineBody = z.strictObject({ code: z.string().regex(/^\d{4}$/).refine((c) => c !== '0000', 'not 0000').optional() });
const cancelBody = z.strictObject({});

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON_HEADERS, JSON.stringify(value));
}

/** The `/sim/state` document the page polls. */
export function webState(deps: WebDeps): Record<string, unknown> {
  const screen = deps.screen();
  const last = deps.last();
  return {
    simulator: true,
    merchantName: deps.merchantName,
    terminalId: deps.terminalId,
    screen: screen ? { ...screen, channelLabel: channelLabel(screen.channel) } : null,
    last: last ? { ...last, channelLabel: channelLabel(last.channel as Channel) } : null,
  };
}

/** Serves `/` and `/sim/*`. */
export function createWebHandler(deps: WebDeps): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> {
  return async (req, res, path) => {
    const method = req.method ?? 'GET';
    if (path === '/') {
      if (method !== 'GET' && method !== 'HEAD') return json(res, 405, { error: 'use GET' });
      const nonce = randomBytes(16).toString('base64');
      send(
        res,
        200,
        {
          ...SIM_HEADERS,
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
          'X-Content-Type-Options': 'nosniff',
        },
        page(nonce),
      );
      return;
    }
    if (path === '/sim/state' || path === '/sim/transactions') {
      if (method !== 'GET') return json(res, 405, { error: 'use GET' });
      return json(res, 200, path === '/sim/state' ? webState(deps) : deps.transactions());
    }
    const action = { '/sim/approve': 'approve', '/sim/decline': 'decline', '/sim/cancel': 'cancel' }[path];
    if (!action) return json(res, 404, { error: 'unknown simulator route' });
    if (method !== 'POST') return json(res, 405, { error: 'use POST' });
    // Requiring JSON makes a cross-site form post impossible (it would need a preflight we never grant).
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) return json(res, 415, { error: 'send Content-Type: application/json' });
    let raw: string;
    try {
      raw = await readBody(req, 4096);
    } catch (err) {
      return json(res, err instanceof BodyTooLarge ? 413 : 400, { error: 'could not read body' });
    }
    let value: unknown = {};
    if (raw.trim()) {
      try {
        value = JSON.parse(raw);
      } catch {
        return json(res, 400, { error: 'body is not JSON' });
      }
    }
    if (action === 'approve') {
      const body = approveBody.safeParse(value);
      if (!body.success) return json(res, 400, { error: 'body must be {} or {"card":{"scheme":"VISA","masked":"476173******0119"}}' });
      return json(res, 200, { ok: deps.approve(body.data.card) });
    }
    if (action === 'decline') {
      const body = declineBody.safeParse(value);
      if (!body.success) return json(res, 400, { error: 'body must be {} or {"code":"1205"}' });
      return json(res, 200, { ok: deps.decline(body.data.code) });
    }
    const body = cancelBody.safeParse(value);
    if (!body.success) return json(res, 400, { error: 'body must be {}' });
    return json(res, 200, { ok: deps.cancel() });
  };
}

/** The customer-facing page: one self-contained document, no external assets. */
function page(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>QFPay terminal — SIMULATOR</title>
<style nonce="${nonce}">
  :root { color-scheme: light; --ink:#1d2433; --muted:#6b7385; --ok:#1a8f4c; --bad:#c23b32; --warn:#b7791f; --accent:#ff6a00; }
  * { box-sizing: border-box; }
  body { margin:0; min-height:100vh; display:flex; align-items:center; justify-content:center; background:#2b2f38; font:16px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink); }
  .device { width:min(380px,100vw); background:#15171c; border-radius:28px; padding:18px 14px 22px; box-shadow:0 12px 40px rgba(0,0,0,.45); }
  .screen { background:#f7f8fa; border-radius:14px; min-height:520px; display:flex; flex-direction:column; overflow:hidden; }
  .bar { display:flex; justify-content:space-between; align-items:center; padding:10px 14px; background:#fff; border-bottom:1px solid #e4e7ec; font-size:13px; color:var(--muted); }
  .brand { font-weight:700; color:var(--accent); letter-spacing:.02em; }
  .sim { background:#ffe8d6; color:#8a3b00; border-radius:6px; padding:2px 6px; font-size:11px; font-weight:700; }
  main { flex:1; display:flex; flex-direction:column; align-items:center; justify-content:center; text-align:center; padding:20px; gap:10px; }
  .label { font-size:14px; color:var(--muted); text-transform:uppercase; letter-spacing:.08em; }
  .amount { font-size:40px; font-weight:700; letter-spacing:-.01em; }
  .channel { font-size:16px; color:var(--muted); }
  .prompt { font-size:20px; font-weight:600; }
  .status { font-size:26px; font-weight:700; }
  .status.approved { color:var(--ok); } .status.declined, .status.cancelled { color:var(--bad); } .status.pending { color:var(--warn); }
  .ref { font-size:12px; color:var(--muted); word-break:break-all; }
  .buttons { display:grid; grid-template-columns:1fr 1fr 1fr; gap:8px; padding:12px; background:#fff; border-top:1px solid #e4e7ec; }
  button { font:inherit; font-weight:600; border:0; border-radius:10px; padding:14px 6px; color:#fff; cursor:pointer; }
  button:disabled { opacity:.35; cursor:default; }
  .approve { background:var(--ok); } .decline { background:var(--warn); } .cancel { background:var(--bad); }
  footer { color:#8b93a5; font-size:11px; text-align:center; margin-top:10px; }
</style>
</head>
<body>
<div class="device">
  <div class="screen">
    <div class="bar"><span class="brand">QFPay</span><span id="merchant"></span><span class="sim">SIMULATOR</span></div>
    <main id="main"><div class="prompt">Connecting…</div></main>
    <div class="buttons">
      <button class="approve" id="approve" disabled>Approve</button>
      <button class="decline" id="decline" disabled>Decline</button>
      <button class="cancel" id="cancel" disabled>Cancel</button>
    </div>
  </div>
  <footer>Simulated QFPay ECR terminal for testing — no real money moves.</footer>
</div>
<script nonce="${nonce}">
(function () {
  var main = document.getElementById('main');
  var buttons = ['approve', 'decline', 'cancel'].map(function (id) { return document.getElementById(id); });
  function money(minor) {
    var s = String(minor).padStart(3, '0');
    var whole = s.slice(0, -2).replace(/\\B(?=(\\d{3})+(?!\\d))/g, ',');
    return 'HK$' + whole + '.' + s.slice(-2);
  }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
  function show(nodes) { main.replaceChildren.apply(main, nodes); }
  function render(state) {
    document.getElementById('merchant').textContent = state.merchantName;
    var s = state.screen, last = state.last;
    buttons.forEach(function (b) { b.disabled = !s; });
    if (s) {
      var refund = s.kind === 'refund';
      show([
        el('div', 'label', refund ? 'Refund' : 'Payment'),
        el('div', 'amount', money(s.amountMinor)),
        el('div', 'channel', s.channelLabel),
        el('div', 'prompt', refund ? 'Confirm refund on terminal' : (s.channel.indexOf('card') >= 0 ? 'Present card' : 'Scan to pay')),
        el('div', 'ref', s.outTradeNo)
      ]);
      buttons[0].textContent = refund ? 'Confirm' : 'Approve';
      return;
    }
    if (last && Date.now() - Date.parse(last.endedAt) < 15000) {
      var words = { approved: last.kind === 'refund' ? 'Refunded' : 'Approved', declined: 'Declined', cancelled: 'Cancelled', pending: 'Processing…' };
      var nodes = [el('div', 'status ' + last.status, words[last.status] || last.status), el('div', 'amount', money(last.amountMinor)), el('div', 'channel', last.message + (last.code ? ' (' + last.code + ')' : ''))];
      if (last.card) nodes.push(el('div', 'channel', last.card.scheme + ' ' + last.card.masked));
      show(nodes);
      return;
    }
    show([el('div', 'prompt', 'Ready'), el('div', 'channel', 'Waiting for the POS…'), el('div', 'ref', 'Terminal ' + state.terminalId)]);
  }
  function poll() {
    fetch('/sim/state', { cache: 'no-store' }).then(function (r) { return r.json(); }).then(render)
      .catch(function () { show([el('div', 'prompt', 'Terminal offline')]); })
      .finally(function () { setTimeout(poll, 500); });
  }
  buttons.forEach(function (b) {
    b.addEventListener('click', function () {
      buttons.forEach(function (x) { x.disabled = true; });
      fetch('/sim/' + b.id, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).catch(function () {});
    });
  });
  poll();
})();
</script>
</body>
</html>
`;
}
