// Harbourlight Café cashier page: plain JavaScript, no build step. Talks to the storefront's JSON
// API, follows order changes over Server-Sent Events, and shows the (simulated) terminal's screen.
(function () {
  'use strict';

  var page = document.body.getAttribute('data-page');
  var state = {
    catalog: null,
    cart: new Map(),
    channel: 'card_payment',
    orders: new Map(),
    activeId: null,
    openIds: new Set(),
    pending: false,
    refundDrafts: new Map(),
    terminal: null,
    terminalPending: false,
    lostReplyArmed: false,
  };

  // ------------------------------------------------------------------ helpers

  function esc(value) {
    return String(value == null ? '' : value).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function fmt(minor) {
    var whole = Math.floor(minor / 100);
    var cents = String(minor % 100).padStart(2, '0');
    return 'HK$' + String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ',') + '.' + cents;
  }

  function toMajor(minor) {
    return Math.floor(minor / 100) + '.' + String(minor % 100).padStart(2, '0');
  }

  function timeOf(iso) {
    if (!iso) return '';
    var d = new Date(iso);
    return d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: 'Asia/Hong_Kong' });
  }

  function toast(message) {
    var el = document.getElementById('toast');
    if (!el) return;
    el.textContent = message;
    el.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { el.hidden = true; }, 5000);
  }

  function api(method, path, body) {
    var init = { method: method, headers: { Accept: 'application/json' }, cache: 'no-store' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) {
          var err = new Error(data.message || 'The storefront answered ' + res.status);
          err.status = res.status;
          throw err;
        }
        return data;
      });
    });
  }

  function channelLabel(id) {
    var list = (state.catalog && state.catalog.channels) || [];
    for (var i = 0; i < list.length; i++) if (list[i].id === id) return list[i].label;
    return id;
  }

  function channelKind(id) {
    var list = (state.catalog && state.catalog.channels) || [];
    for (var i = 0; i < list.length; i++) if (list[i].id === id) return list[i].kind;
    return 'wallet';
  }

  // An API reply and the event stream can overtake each other: never replace a view with an older one.
  function upsert(order) {
    var known = state.orders.get(order.id);
    var older = known && known.revision && order.revision &&
      known.revision.instance === order.revision.instance && known.revision.seq > order.revision.seq;
    if (!older) state.orders.set(order.id, order);
  }

  function sortedOrders() {
    return Array.from(state.orders.values()).sort(function (a, b) { return b.id - a.id; });
  }

  // Re-rendering replaces DOM; keep the focused input (refund amounts) and its caret.
  function preserveFocus(render) {
    var active = document.activeElement;
    var key = active && active.getAttribute && active.getAttribute('data-focus-key');
    var start = key ? active.selectionStart : null;
    var end = key ? active.selectionEnd : null;
    render();
    if (key) {
      var again = document.querySelector('[data-focus-key="' + key + '"]');
      if (again && !again.disabled) {
        again.focus();
        try { again.setSelectionRange(start, end); } catch (e) { /* not a text input */ }
      }
    }
  }

  function render() {
    preserveFocus(function () {
      renderProducts();
      renderCheckout();
      renderOrders();
    });
  }

  // ------------------------------------------------------------------ menu and cart

  function cartTotal() {
    var total = 0;
    state.cart.forEach(function (qty, id) {
      var p = productById(id);
      if (p) total += p.priceMinor * qty;
    });
    return total;
  }

  function productById(id) {
    var list = (state.catalog && state.catalog.products) || [];
    for (var i = 0; i < list.length; i++) if (list[i].id === id) return list[i];
    return null;
  }

  // The menu is locked only while the terminal works on the current sale.
  function saleInProgress() {
    var order = state.activeId !== null ? state.orders.get(state.activeId) : null;
    return !!(order && order.payment && !order.payment.final) || !!(order && !order.payment);
  }

  function renderProducts() {
    var el = document.getElementById('products');
    if (!el || !state.catalog) return;
    var locked = saleInProgress();
    el.innerHTML = state.catalog.products.map(function (p) {
      var qty = state.cart.get(p.id) || 0;
      return '<button class="product" type="button" data-action="add" data-product="' + esc(p.id) + '" data-testid="product-' + esc(p.id) + '"' + (locked ? ' disabled title="Finish the current sale first"' : '') + ' data-hue="' + Number(p.hue) + '">' +
        '<span class="product-tile" aria-hidden="true">' + esc(p.mark) + '</span>' +
        '<span class="product-name">' + esc(p.name) + (qty ? '<span class="qty-badge">' + qty + '</span>' : '') + '</span>' +
        '<span class="product-desc">' + esc(p.description) + '</span>' +
        '<span class="product-foot"><span class="price">' + esc(p.price) + '</span><span class="add">Add</span></span>' +
        '</button>';
    }).join('');
    // The CSP forbids inline style attributes; CSSOM is fine.
    Array.prototype.forEach.call(el.querySelectorAll('[data-hue]'), function (b) { b.style.setProperty('--hue', b.getAttribute('data-hue')); });
  }

  function channelChips() {
    return '<div class="label">Pay with</div><div class="channels" role="group" aria-label="Payment method">' +
      state.catalog.channels.map(function (c) {
        return '<button type="button" class="chip" data-action="channel" data-channel="' + esc(c.id) + '" data-testid="channel-' + esc(c.id) + '" aria-pressed="' + (state.channel === c.id) + '">' + esc(c.label) + '</button>';
      }).join('') + '</div>';
  }

  function renderCart() {
    var total = cartTotal();
    var lines = [];
    state.cart.forEach(function (qty, id) {
      var p = productById(id);
      if (!p) return;
      lines.push('<li class="cart-line" data-testid="cart-line">' +
        '<span class="cart-line-name">' + esc(p.name) + '</span>' +
        '<span class="stepper"><button type="button" data-action="dec" data-product="' + esc(id) + '" aria-label="One less ' + esc(p.name) + '">−</button><span>' + qty + '</span><button type="button" data-action="add" data-product="' + esc(id) + '" aria-label="One more ' + esc(p.name) + '">+</button></span>' +
        '<span class="line-total">' + fmt(p.priceMinor * qty) + '</span></li>');
    });
    return (lines.length ? '<ul class="cart-lines">' + lines.join('') + '</ul>' : '<div class="cart-empty">Tap items on the menu to start a sale.</div>') +
      '<div class="total-row"><span>Total</span><strong data-testid="cart-total">' + fmt(total) + '</strong></div>' +
      channelChips() +
      '<button type="button" class="btn btn-primary btn-block" data-action="pay" data-testid="pay"' + (total === 0 || state.pending ? ' disabled' : '') + '>' +
      (total === 0 ? 'Pay' : 'Charge ' + fmt(total) + ' on the terminal') + '</button>';
  }

  // ------------------------------------------------------------------ the live sale

  var STEP_NAMES = ['Sent', 'Customer', 'Result'];

  function stepStates(stage) {
    switch (stage) {
      case 'created':
      case 'queued': return ['current', '', ''];
      case 'sent': return ['done', 'current', ''];
      case 'waiting_customer': return ['done', 'current', ''];
      case 'resolving': return ['done', 'done', 'warn'];
      case 'approved': return ['done', 'done', 'done'];
      case 'unknown': return ['done', 'done', 'warn'];
      default: return ['done', 'done', 'bad'];
    }
  }

  function steps(stage) {
    var s = stepStates(stage);
    return '<ol class="steps" aria-label="Progress">' + STEP_NAMES.map(function (name, i) {
      var mark = s[i] === 'done' ? '✓' : s[i] === 'bad' ? '✕' : s[i] === 'warn' ? '?' : String(i + 1);
      return '<li class="step" data-state="' + s[i] + '"><span class="step-dot">' + mark + '</span>' + name + '</li>';
    }).join('') + '</ol>';
  }

  function paymentFacts(p) {
    var rows = [];
    if (p.syssn) rows.push(['syssn', '<span class="mono" data-testid="syssn">' + esc(p.syssn) + '</span>']);
    if (p.cardScheme || p.maskedCard) rows.push(['Card', '<span data-testid="card">' + esc([p.cardScheme, p.maskedCard].filter(Boolean).join(' ')) + '</span>']);
    if (p.channelRef) rows.push(['Channel ref', '<span class="mono">' + esc(p.channelRef) + '</span>']);
    rows.push(['Reference', '<span class="mono">' + esc(p.outTradeNo) + '</span>']);
    var cloud = state.catalog && state.catalog.terminalMode === 'cloud';
    var byQuery = cloud ? "asking QFPay's records (ECR Cloud query)" : 'asking the terminal (4001)';
    if (p.resolvedBy && p.resolvedBy !== 'reply') rows.push(['Settled by', esc(p.resolvedBy === 'query' ? byQuery : "QFPay's notification")]);
    return '<dl class="kv">' + rows.map(function (r) { return '<dt>' + r[0] + '</dt><dd>' + r[1] + '</dd>'; }).join('') + '</dl>';
  }

  function notificationNotice(order, testid) {
    var p = order.payment;
    if (!p || p.stage !== 'approved') return '';
    var n = p.notification;
    if (n) {
      return '<div class="notice ok" data-testid="' + testid + '"><span aria-hidden="true">✓</span><span>QFPay notification received at ' + esc(timeOf(n.receivedAt)) + ': payment ' + esc(n.amount || '') + ', signature verified' + (n.maskedCard ? ', card ' + esc(n.maskedCard) : '') + '.</span></div>';
    }
    return '<div class="notice wait" data-testid="' + testid + '-waiting"><span class="pulse" aria-hidden="true"></span><span>Waiting for QFPay\'s notification…</span></div>';
  }

  function renderLive(order) {
    var p = order.payment;
    var stage = p ? p.stage : 'created';
    var box;
    if (stage === 'approved') {
      box = '<div class="status-box ok" data-testid="sale-status" data-status="approved"><strong>Payment approved</strong>' + paymentFacts(p) + '</div>' + notificationNotice(order, 'sale-notification');
    } else if (stage === 'declined') {
      box = '<div class="status-box bad" data-testid="sale-status" data-status="declined"><strong>Declined</strong>' + esc(p.reason || 'The card or wallet declined the payment.') + '</div>';
    } else if (stage === 'cancelled') {
      box = '<div class="status-box neutral" data-testid="sale-status" data-status="cancelled"><strong>Cancelled</strong>' + esc(p.reason || 'Nothing was charged.') + '</div>';
    } else if (stage === 'failed') {
      box = '<div class="status-box bad" data-testid="sale-status" data-status="failed"><strong>The terminal refused the request</strong>' + esc(p.reason || '') + (p.hint ? '<div class="small">Fix: ' + esc(p.hint) + '</div>' : '') + '</div>';
    } else if (stage === 'unknown') {
      box = '<div class="status-box warn" data-testid="sale-status" data-status="unknown"><strong>Outcome unknown — do not charge again</strong>' + esc(p.reason || '') + '</div>';
    } else if (stage === 'resolving') {
      box = '<div class="status-box warn" data-testid="sale-status" data-status="resolving"><strong><span class="pulse"></span>Checking with the terminal</strong>The reply was lost; asking the terminal what happened (never paying twice).</div>';
    } else if (stage === 'sent' || stage === 'waiting_customer') {
      box = '<div class="status-box info" data-testid="sale-status" data-status="' + esc(stage) + '"><strong><span class="pulse"></span>' + esc(stage === 'sent' ? 'Sent to the terminal' : 'Waiting for the customer') + '</strong>' + esc(waitingText(p)) + '</div>';
    } else {
      box = '<div class="status-box info" data-testid="sale-status" data-status="' + esc(stage) + '"><strong><span class="pulse"></span>Sending to the terminal…</strong></div>';
    }
    var buttons = '';
    if (order.canCancel && p && !p.final) {
      buttons = '<div class="btn-row"><button type="button" class="btn btn-danger" data-action="cancel" data-order="' + order.id + '" data-testid="cancel-payment">Cancel payment</button></div>';
    } else if (stage === 'approved') {
      buttons = '<div class="btn-row"><button type="button" class="btn btn-primary" data-action="new-sale" data-testid="new-sale">New sale</button></div>';
    } else if (stage === 'unknown') {
      buttons = '<div class="btn-row"><button type="button" class="btn btn-primary" data-action="check" data-order="' + order.id + '" data-testid="check"' + (order.canCheck ? '' : ' disabled') + '>Check again</button><button type="button" class="btn btn-quiet" data-action="new-sale">New sale</button></div>';
    } else if (stage === 'declined' || stage === 'cancelled' || stage === 'failed') {
      buttons = channelChips() + '<div class="btn-row"><button type="button" class="btn btn-primary" data-action="retry" data-order="' + order.id + '" data-testid="retry"' + (order.canRetry ? '' : ' disabled') + '>Try again with ' + esc(channelLabel(state.channel)) + '</button><button type="button" class="btn btn-quiet" data-action="new-sale" data-testid="new-sale">New sale</button></div>';
    }
    return '<div class="live" data-testid="live-sale" data-order="' + order.id + '">' +
      '<div class="muted small">Order ' + esc(order.number) + ' · ' + esc(p ? p.channelLabel : '') + '</div>' +
      '<div class="live-amount">' + esc(order.total) + '</div>' +
      steps(stage) + box + buttons + '</div>';
  }

  function waitingText(p) {
    var kind = channelKind(p.channel);
    if (kind === 'card') return 'The terminal asks the customer to tap, insert or swipe their card.';
    if (kind === 'octopus') return 'The terminal asks the customer to tap their Octopus card.';
    return 'The terminal shows a code for the customer to scan with ' + p.channelLabel + ' (or scans theirs).';
  }

  function renderCheckout() {
    var el = document.getElementById('checkout-body');
    if (!el || !state.catalog) return;
    var order = state.activeId !== null ? state.orders.get(state.activeId) : null;
    el.innerHTML = order ? renderLive(order) : renderCart();
    var title = document.getElementById('checkout-title');
    if (title) title.textContent = order ? 'Payment' : 'Current sale';
  }

  // ------------------------------------------------------------------ orders

  function summaryOf(order) {
    var count = order.items.reduce(function (n, i) { return n + i.qty; }, 0);
    return count + ' item' + (count === 1 ? '' : 's') + ' · ' + order.items.map(function (i) { return i.name; }).join(', ');
  }

  function orderActions(order) {
    var out = [];
    if (order.canCancel) out.push('<button type="button" class="btn btn-danger" data-action="cancel" data-order="' + order.id + '">Cancel on the terminal</button>');
    if (order.canCheck) out.push('<button type="button" class="btn btn-primary" data-action="check" data-order="' + order.id + '">Check again</button>');
    if (order.canRetry && (order.status === 'declined' || order.status === 'cancelled' || order.status === 'failed') && !saleInProgress() && state.activeId !== order.id) {
      out.push('<button type="button" class="btn btn-quiet" data-action="retry" data-order="' + order.id + '">Charge again (' + esc(channelLabel(state.channel)) + ')</button>');
    }
    return out.length ? '<div class="btn-row">' + out.join('') + '</div>' : '';
  }

  function paymentBlock(order) {
    var p = order.payment;
    if (!p) return '<div class="block"><h3>Payment</h3><div class="empty">Not sent yet.</div></div>';
    var body = '<div class="small"><strong>' + esc(p.channelLabel) + '</strong> · ' + esc(p.stageLabel) + (order.attempts > 1 ? ' · attempt ' + order.attempts : '') + '</div>';
    if (p.stage === 'approved' || p.syssn) body += paymentFacts(p);
    else body += '<dl class="kv"><dt>Reference</dt><dd class="mono">' + esc(p.outTradeNo) + '</dd></dl>';
    if (p.reason && p.stage !== 'approved') body += '<p class="why">' + esc(p.reason) + (p.hint ? ' Fix: ' + esc(p.hint) : '') + '</p>';
    body += notificationNotice(order, 'order-notification');
    return '<div class="block" data-testid="payment-block"><h3>Payment</h3>' + body + orderActions(order) + '</div>';
  }

  function refundBlock(order) {
    var list = order.refunds.map(function (r) {
      var n = r.notification ? ' · <span class="small" data-testid="refund-notification">✓ notified</span>' : '';
      return '<li data-testid="refund-row" data-stage="' + esc(r.stage) + '"><strong>' + esc(r.amount) + '</strong> · ' + esc(r.stageLabel) +
        (r.syssn ? ' · <span class="mono">' + esc(r.syssn) + '</span>' : '') + n +
        (r.reason && r.stage !== 'approved' ? '<div class="why">' + esc(r.reason) + '</div>' : '') + '</li>';
    }).join('');
    var policy = order.refund;
    var form = '';
    if (order.payment && order.payment.stage === 'approved') {
      if (policy.allowed) {
        var draft = state.refundDrafts.has(order.id) ? state.refundDrafts.get(order.id) : toMajor(policy.maxMinor);
        if (!policy.partialAllowed) draft = toMajor(policy.maxMinor);
        var draftMinor = parseDraft(draft);
        var label = draftMinor && draftMinor > 0 ? 'Refund ' + fmt(draftMinor) : 'Refund';
        form = '<div class="refund-form">' +
          '<label class="money-input"><span>HK$</span><input inputmode="decimal" autocomplete="off" aria-label="Refund amount in HK$" data-testid="refund-amount" data-focus-key="refund-' + order.id + '" data-order="' + order.id + '" value="' + esc(draft) + '"' + (policy.partialAllowed ? '' : ' disabled') + '></label>' +
          '<button type="button" class="btn btn-primary" data-action="refund" data-order="' + order.id + '" data-testid="refund"' + (state.pending ? ' disabled' : '') + '>' + esc(label) + '</button></div>' +
          '<p class="why">Up to ' + esc(policy.max) + ' left to refund.</p>' +
          (policy.partialAllowed ? '' : '<p class="why block-reason" data-testid="partial-reason">' + esc(policy.partialReason) + '</p>') +
          (policy.note ? '<p class="why block-reason">' + esc(policy.note) + '</p>' : '');
      } else {
        form = '<div class="refund-form"><button type="button" class="btn" disabled data-testid="refund">Refund</button></div><p class="why block-reason" data-testid="refund-reason">' + esc(policy.reason) + '</p>';
      }
    } else {
      form = '<p class="why">Refunds are possible once the payment is approved.</p>';
    }
    return '<div class="block" data-testid="refund-block"><h3>Refunds' + (order.refundedMinor ? ' · ' + esc(order.refunded) + ' refunded' : '') + '</h3>' +
      (list ? '<ul class="refund-list">' + list + '</ul>' : '') + form + '</div>';
  }

  function itemsBlock(order) {
    return '<div class="block"><h3>Items</h3><table class="items"><tbody>' +
      order.items.map(function (i) { return '<tr><td>' + i.qty + ' × ' + esc(i.name) + '</td><td>' + esc(i.line) + '</td></tr>'; }).join('') +
      '<tr class="sum"><td>Total</td><td>' + esc(order.total) + '</td></tr></tbody></table>' +
      '<p class="why">' + esc(new Date(order.createdAt).toLocaleString('en-GB', { timeZone: 'Asia/Hong_Kong', dateStyle: 'medium', timeStyle: 'short' })) + ' (Hong Kong)</p></div>';
  }

  function renderOrders() {
    var el = document.getElementById('orders');
    if (!el) return;
    var orders = sortedOrders();
    var count = document.getElementById('orders-count');
    if (count) count.textContent = orders.length ? orders.length + ' order' + (orders.length === 1 ? '' : 's') + ' · kept across restarts' : '';
    if (!orders.length) {
      el.innerHTML = '<div class="empty">No orders yet. Add items, pick a payment method and charge it on the terminal.</div>';
      return;
    }
    el.innerHTML = orders.map(function (order) {
      var open = state.openIds.has(order.id);
      return '<article class="order" data-testid="order" data-order="' + order.id + '" data-status="' + esc(order.status) + '" data-open="' + open + '">' +
        '<button type="button" class="order-head" data-action="toggle" data-order="' + order.id + '" aria-expanded="' + open + '">' +
        '<span class="order-no">' + esc(order.number) + '</span>' +
        '<span class="order-summary">' + esc(summaryOf(order)) + '</span>' +
        '<span class="pill ' + esc(order.status) + '" data-testid="order-status">' + esc(order.statusLabel) + '</span>' +
        '<span class="order-total">' + esc(order.total) + '</span></button>' +
        (open ? '<div class="order-body">' + itemsBlock(order) + paymentBlock(order) + refundBlock(order) + '</div>' : '') +
        '</article>';
    }).join('');
  }

  function parseDraft(text) {
    var m = /^\s*(?:HK\$)?\s*(\d{1,7})(?:\.(\d{1,2}))?\s*$/i.exec(String(text));
    if (!m) return null;
    return Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0'));
  }

  // ------------------------------------------------------------------ actions

  function act(promise) {
    state.pending = true;
    render();
    return promise.then(function (result) {
      state.pending = false;
      render();
      return result;
    }, function (err) {
      state.pending = false;
      render();
      toast(err.message);
    });
  }

  function onClick(event) {
    var target = event.target.closest('[data-action]');
    if (!target || target.disabled) return;
    var action = target.getAttribute('data-action');
    var orderIdText = target.getAttribute('data-order');
    var orderId = orderIdText ? Number(orderIdText) : null;
    switch (action) {
      case 'add': {
        var id = target.getAttribute('data-product');
        if (state.activeId !== null && !saleInProgress()) state.activeId = null;
        state.cart.set(id, (state.cart.get(id) || 0) + 1);
        render();
        break;
      }
      case 'dec': {
        var pid = target.getAttribute('data-product');
        var q = (state.cart.get(pid) || 0) - 1;
        if (q > 0) state.cart.set(pid, q); else state.cart.delete(pid);
        render();
        break;
      }
      case 'channel':
        state.channel = target.getAttribute('data-channel');
        render();
        break;
      case 'pay': {
        var items = [];
        state.cart.forEach(function (qty, productId) { items.push({ productId: productId, qty: qty }); });
        act(api('POST', '/api/orders', { items: items, channel: state.channel }).then(function (order) {
          upsert(order);
          state.cart.clear();
          state.activeId = order.id;
          state.openIds.add(order.id);
        }));
        break;
      }
      case 'retry':
        act(api('POST', '/api/orders/' + orderId + '/pay', { channel: state.channel }).then(function (order) {
          upsert(order);
          state.activeId = order.id;
        }));
        break;
      case 'cancel':
        act(api('POST', '/api/orders/' + orderId + '/cancel', {}).then(function (r) {
          upsert(r.order);
          if (r.result === 'too_late') toast('Too late to cancel: the customer had already paid.');
        }));
        break;
      case 'check':
        act(api('POST', '/api/orders/' + orderId + '/check', {}).then(upsert));
        break;
      case 'refund': {
        var input = document.querySelector('input[data-order="' + orderId + '"]');
        var amount = input ? input.value : '';
        act(api('POST', '/api/orders/' + orderId + '/refunds', { amount: amount }).then(function (order) {
          state.refundDrafts.delete(orderId);
          upsert(order);
        }));
        break;
      }
      case 'new-sale':
        state.activeId = null;
        render();
        break;
      case 'toggle':
        if (state.openIds.has(orderId)) state.openIds.delete(orderId); else state.openIds.add(orderId);
        render();
        break;
      case 'customer':
        customer(target.getAttribute('data-customer'));
        break;
      case 'lose-reply':
        api('POST', '/api/terminal/lose-next-reply', {}).then(function () {
          state.lostReplyArmed = true;
          renderTerminal();
        }, function (err) { toast(err.message); });
        break;
    }
  }

  function onInput(event) {
    var t = event.target;
    if (t && t.matches && t.matches('input[data-testid="refund-amount"]')) {
      var id = Number(t.getAttribute('data-order'));
      state.refundDrafts.set(id, t.value);
      var minor = parseDraft(t.value);
      var button = document.querySelector('button[data-action="refund"][data-order="' + id + '"]');
      if (button) button.textContent = minor && minor > 0 ? 'Refund ' + fmt(minor) : 'Refund';
    }
  }

  // ------------------------------------------------------------------ the terminal (simulated)

  function customer(action) {
    state.terminalPending = true;
    renderTerminal();
    api('POST', '/api/terminal/' + action, {}).then(function (r) {
      if (!r.ok) toast('Nothing is on the terminal screen.');
    }, function (err) { toast(err.message); }).then(function () {
      state.terminalPending = false;
      pollTerminal();
    });
  }

  function screenHtml(t) {
    var merchant = '<div class="screen-merchant">' + esc(t.merchantName) + '</div>';
    var s = t.screen;
    if (s) {
      var kind = s.kind === 'refund' ? 'refund' : channelKind(s.channel);
      var prompt = kind === 'refund' ? 'Confirm refund' : kind === 'card' ? 'Present card' : kind === 'octopus' ? 'Tap Octopus card' : 'Scan to pay';
      var icon = kind === 'card' || kind === 'octopus' ? '<div class="contactless" aria-hidden="true"></div>' : kind === 'refund' ? '' : '<div class="qr" aria-hidden="true"></div>';
      return merchant + '<div class="screen-prompt" data-testid="terminal-prompt">' + prompt + '</div>' + icon +
        '<div class="screen-amount" data-testid="terminal-amount">' + fmt(s.amountMinor) + '</div>' +
        '<div class="screen-channel">' + esc(s.channelLabel) + '</div>';
    }
    var last = t.last;
    if (last && last.endedAt && Date.now() - new Date(last.endedAt).getTime() < 8000) {
      var cls = last.status === 'approved' ? 'approved' : last.status === 'pending' ? '' : 'declined';
      var text = last.status === 'approved' ? (last.kind === 'refund' ? 'Refunded' : 'Approved') : last.status === 'declined' ? 'Declined' : last.status === 'cancelled' ? 'Cancelled' : 'Processing';
      return merchant + '<div class="screen-icon" aria-hidden="true">' + (last.status === 'approved' ? '✓' : '✕') + '</div>' +
        '<div class="screen-result ' + cls + '" data-testid="terminal-result">' + text + '</div>' +
        '<div class="screen-channel">' + fmt(last.amountMinor) + ' · ' + esc(last.channelLabel) + '</div>';
    }
    return merchant + '<div class="screen-prompt" data-testid="terminal-idle">Ready</div><div class="screen-channel">Waiting for the cashier</div>';
  }

  function renderTerminal() {
    var el = document.getElementById('terminal');
    if (!el) return;
    var t = state.terminal;
    if (!t) {
      el.innerHTML = '<div class="device"><div class="screen"><div class="screen-prompt">Connecting…</div></div></div>';
      return;
    }
    var open = !!t.screen;
    var isRefund = open && t.screen.kind === 'refund';
    var disabled = !open || state.terminalPending ? ' disabled' : '';
    el.innerHTML = '<div class="device" data-testid="terminal" data-screen="' + (open ? 'open' : 'idle') + '">' +
      '<div class="device-top"><span>' + esc(t.terminalId) + '</span><span data-testid="terminal-link">' + (state.catalog && state.catalog.terminalMode === 'cloud' ? 'QFPay · ECR Cloud' : 'QFPay · HTTPS') + '</span></div>' +
      '<div class="screen">' + screenHtml(t) + '</div>' +
      '<div class="keys">' +
      '<button type="button" class="key key-approve" data-action="customer" data-customer="approve" data-testid="terminal-approve"' + disabled + '>' + (isRefund ? 'Confirm' : 'Approve') + '</button>' +
      '<button type="button" class="key key-decline" data-action="customer" data-customer="decline" data-testid="terminal-decline"' + disabled + '>Decline</button>' +
      '<button type="button" class="key key-cancel" data-action="customer" data-customer="cancel" data-testid="terminal-cancel"' + disabled + '>Cancel</button>' +
      '</div></div>' +
      '<div class="device-foot">' + (open ? (isRefund ? 'You are the operator: confirm the refund on the terminal.' : 'You are the customer: pay, decline or cancel.') : 'The customer screen of the terminal appears here.') +
      (page === 'cashier' && state.catalog && state.catalog.canLoseReply ? '<br><button type="button" class="linkish" data-action="lose-reply" data-testid="lose-reply"' + (state.lostReplyArmed ? ' disabled' : '') + '>' +
        (state.lostReplyArmed ? 'The next payment\'s reply will be lost in transit' : 'Demo: lose the next payment\'s reply') + '</button>' : '') +
      '</div>';
  }

  function pollTerminal() {
    return api('GET', '/api/terminal/state').then(function (t) {
      var wasOpen = state.terminal && state.terminal.screen;
      state.terminal = t;
      if (state.lostReplyArmed && wasOpen && !t.screen) state.lostReplyArmed = false;
      renderTerminal();
    }, function (err) {
      if (err.status === 404) {
        var panel = document.getElementById('terminal-panel');
        if (panel) panel.hidden = true;
        return 'stop';
      }
    });
  }

  function loopTerminal() {
    pollTerminal().then(function (r) {
      if (r !== 'stop') setTimeout(loopTerminal, 500);
    });
  }

  // ------------------------------------------------------------------ live updates

  function connect() {
    var conn = document.getElementById('conn');
    var source = new EventSource('/api/events');
    source.addEventListener('hello', function () {
      if (conn) { conn.setAttribute('data-state', 'live'); conn.textContent = 'Live'; }
      api('GET', '/api/orders').then(function (data) {
        data.orders.forEach(upsert);
        render();
      });
    });
    source.addEventListener('order', function (event) {
      upsert(JSON.parse(event.data));
      render();
    });
    source.onerror = function () {
      if (conn) { conn.setAttribute('data-state', 'offline'); conn.textContent = 'Reconnecting…'; }
    };
  }

  function start() {
    document.addEventListener('click', onClick);
    document.addEventListener('input', onInput);
    api('GET', '/api/catalog').then(function (catalog) {
      state.catalog = catalog;
      var badge = document.getElementById('sim-badge');
      if (badge) badge.hidden = !catalog.simulated;
      var long = badge && badge.querySelector('.long');
      if (long && catalog.terminalMode === 'cloud') long.textContent = 'Simulated terminal via ECR Cloud · no real money';
      var name = document.getElementById('shop-name');
      if (name) name.textContent = catalog.shop;
      render();
      renderTerminal();
      loopTerminal();
      if (page === 'cashier') connect();
    }, function (err) { toast(err.message); });
  }

  start();
})();
