/*
 * Operators' console: availability, the queue (refreshed every two
 * seconds, with the waiting time), offers with a sound and a badge, and
 * live chats in tabs over one WebSocket (protocol: docs/protocol.md).
 */
(function () {
  "use strict";

  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const $ = (id) => document.getElementById(id);
  const chats = new Map(); // chat id -> { panel, tab, log, lastId, typingTimer }
  const seenOffers = new Set();
  // Typing notices name their sender; our own are not shown to us.
  const myName = ((document.querySelector(".who") || {}).textContent || "").trim();
  let socket = null;
  let active = null;
  let lastTickets = "";

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") e.textContent = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) if (c) e.append(c);
    return e;
  }

  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      headers: Object.assign({ "X-CSRF-Token": csrf }, body ? { "Content-Type": "application/json" } : {}),
      body: body ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
    });
    let json = null;
    try {
      json = await res.json();
    } catch (_) {
      json = null;
    }
    return { status: res.status, body: json };
  }

  // ----- telling an operator who is looking elsewhere -----------------------------
  // Offers and messages that arrive while the console's tab is hidden are
  // counted in its title and, with the operator's permission, shown as
  // browser notifications.

  let unseen = 0;
  let offersShown = 0;

  function showTitle() {
    const n = offersShown + unseen;
    document.title = (n ? "(" + n + ") " : "") + "Console · Frontdesk";
  }

  function askNotifications() {
    if ("Notification" in window && Notification.permission === "default") {
      Notification.requestPermission().catch(() => {});
    }
  }

  function notify(title, body, tag) {
    if (!document.hidden || !("Notification" in window) || Notification.permission !== "granted") return;
    try {
      const n = new Notification(title, { body, tag });
      n.addEventListener("click", () => {
        window.focus();
        n.close();
      });
    } catch (_) {
      /* notifications unavailable here */
    }
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && unseen) {
      unseen = 0;
      showTitle();
    }
  });

  function beep() {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const o = ctx.createOscillator();
      o.frequency.value = 880;
      o.connect(ctx.destination);
      o.start();
      o.stop(ctx.currentTime + 0.15);
    } catch (_) {
      /* no sound available */
    }
  }

  function waited(secs) {
    return secs < 60 ? secs + " s" : Math.floor(secs / 60) + " min " + (secs % 60) + " s";
  }

  // ----- the queue ----------------------------------------------------------------

  async function refreshQueue() {
    const r = await api("GET", "/api/queue");
    if (r.status !== 200 || !r.body) return;
    const list = $("queue-chats");
    list.replaceChildren();
    let offers = 0;
    for (const c of r.body.chats) {
      const li = el("li", { class: c.offered_to_me ? "offered" : null, "data-chat": c.id, "data-testid": "queue-chat" },
        el("strong", { text: c.user }), " · " + c.priority + " · waiting " + waited(c.waiting_secs));
      if (c.offered_to_me) {
        offers++;
        if (!seenOffers.has(c.id)) {
          seenOffers.add(c.id);
          beep();
          notify("Chat request from " + c.user, "Waiting " + waited(c.waiting_secs) + " · " + c.priority, "offer-" + c.id);
        }
      }
      const accept = el("button", { type: "button", "data-testid": "accept", text: "Accept" });
      accept.addEventListener("click", () => acceptChat(c.id));
      const actions = el("div", { class: "actions" }, accept);
      if (c.offered_to_me) {
        const decline = el("button", { type: "button", "data-testid": "decline", text: "Decline" });
        decline.addEventListener("click", async () => {
          await api("POST", "/api/chats/" + c.id + "/decline");
          refreshQueue();
        });
        actions.append(decline);
      }
      li.append(actions);
      list.append(li);
    }
    for (const t of r.body.tickets) {
      if (!t.offered_to_me) continue;
      offers++;
      if (!seenOffers.has("t" + t.number)) {
        seenOffers.add("t" + t.number);
        beep();
        notify("Ticket #" + t.number + " offered to you", t.summary, "ticket-" + t.number);
      }
    }
    const badge = $("badge");
    badge.hidden = offers === 0;
    badge.textContent = String(offers);
    offersShown = offers;
    showTitle();
    // Redrawn only when it changed, so a button is never pulled from under a click.
    const ticketsKey = JSON.stringify(r.body.tickets.slice(0, 30));
    if (ticketsKey === lastTickets) return;
    lastTickets = ticketsKey;
    const tickets = $("queue-tickets");
    tickets.replaceChildren();
    for (const t of r.body.tickets.slice(0, 30)) {
      const invite = el("button", { type: "button", "data-testid": "invite-to-chat", text: "Chat with user" });
      invite.addEventListener("click", () => inviteToChat(t.number));
      const actions = el("div", { class: "actions" });
      if (t.offered_to_me) {
        const take = el("button", { type: "button", "data-testid": "accept-ticket", text: "Accept" });
        take.addEventListener("click", () => ticketAnswer(t.number, "accept"));
        const pass = el("button", { type: "button", "data-testid": "decline-ticket", text: "Decline" });
        pass.addEventListener("click", () => ticketAnswer(t.number, "decline"));
        actions.append(take, pass);
      }
      actions.append(invite);
      tickets.append(
        el("li", { class: [t.overdue ? "overdue" : "", t.offered_to_me ? "offered" : ""].join(" ").trim() || null, "data-testid": "queue-ticket" },
          el("a", { href: "/portal/tickets/" + t.number, text: "#" + t.number + " " + t.summary }),
          " · " + t.priority + (t.assignee ? " · " + t.assignee : "") + (t.overdue ? " · overdue" : "") + (t.offered_to_me ? " · offered to you" : ""),
          actions)
      );
    }
  }

  async function ticketAnswer(number, answer) {
    const r = await api("POST", "/api/tickets/" + number + "/" + answer);
    if (r.status >= 400 && r.body && r.body.message) alert(r.body.message);
    else if (answer === "accept") window.open("/portal/tickets/" + number, "_blank");
    lastTickets = "";
    refreshQueue();
  }

  async function acceptChat(id) {
    const r = await api("POST", "/api/chats/" + id + "/accept");
    if (r.status === 200) {
      await openChat(id);
    } else if (r.body && r.body.message) {
      alert(r.body.message);
    }
    refreshQueue();
  }

  // ----- inviting a ticket's user to chat ----------------------------------------------------
  // "Connecting…" until the user accepts (the chat opens in a tab) or the
  // invitation ends (declined, or two minutes without an answer).

  const invitations = new Map(); // invitation id -> status line

  async function inviteToChat(number) {
    const r = await api("POST", "/api/tickets/" + number + "/chat-invitations");
    if (r.status !== 201 || !r.body) {
      alert((r.body && r.body.message) || "The invitation could not be sent.");
      return;
    }
    showConnecting(r.body);
  }

  function showConnecting(inv) {
    if (invitations.has(inv.id)) return;
    const line = el("p", { class: "connecting", role: "status", "data-testid": "connecting", text: "Connecting… (ticket #" + inv.ticket + ")" });
    $("invitations").append(line);
    invitations.set(inv.id, line);
  }

  /** Invitations sent before a reload, still waiting for the user. */
  async function restoreConnecting() {
    const r = await api("GET", "/api/chat-invitations?sent=true");
    for (const inv of (r.body || [])) if (inv.status === "pending") showConnecting(inv);
  }

  const endings = {
    declined: "declined the chat",
    expired: "did not answer within two minutes",
    cancelled: "invitation withdrawn",
  };

  function invitationChanged(v) {
    const line = invitations.get(v.id);
    if (!line || v.status === "pending") return;
    invitations.delete(v.id);
    if (v.status === "accepted" && v.chat_id) {
      line.remove();
      openChat(v.chat_id);
      return;
    }
    line.textContent = "Ticket #" + v.ticket + ": the user " + (endings[v.status] || v.status) + ".";
    line.setAttribute("data-testid", "invitation-ended");
    setTimeout(() => line.remove(), 30000);
  }

  // ----- chats in tabs ----------------------------------------------------------------

  function select(id) {
    active = id;
    for (const [cid, c] of chats) {
      c.tab.setAttribute("aria-selected", cid === id ? "true" : "false");
      c.panel.hidden = cid !== id;
    }
    $("no-chats").hidden = chats.size > 0;
  }

  /** Text with its web addresses as links (built as nodes: never HTML). */
  function linked(text) {
    const span = el("span");
    for (const part of String(text || "").split(/(https?:\/\/[^\s<>"]+)/)) {
      if (/^https?:\/\//.test(part)) span.append(el("a", { href: part, target: "_blank", rel: "noopener", text: part }));
      else if (part) span.append(document.createTextNode(part));
    }
    return span;
  }

  function addLine(c, m) {
    if (m.id && m.id <= c.lastId) return;
    if (m.id) c.lastId = m.id;
    const cls = m.kind === "system" ? "msg system" : m.internal ? "msg note" : "msg";
    let body = m.kind === "text" ? linked(m.text) : m.text;
    if (m.kind === "file" && m.file) {
      body = el("a", { href: m.file.url, target: "_blank", rel: "noopener", "data-testid": "console-file-link", text: "File: " + m.text });
      // Images as a thumbnail (the same access checks: the operator's session).
      if (/^image\/(png|jpeg|gif)$/i.test(String(m.file.content_type || ""))) {
        body.prepend(el("img", { src: m.file.url, alt: "", class: "thumb", "data-testid": "console-thumbnail" }));
      }
    }
    const label = m.internal ? el("span", { class: "note-label", "data-testid": "note-label", text: "Internal note" }) : null;
    c.log.append(el("div", { class: cls, "data-testid": "console-message" }, label, m.sender ? el("strong", { text: m.sender + ": " }) : null, body));
    c.log.scrollTop = c.log.scrollHeight;
    if (m.id && m.sender_role === "end_user" && document.hidden && c.subscribed) {
      unseen += 1;
      showTitle();
      notify((m.sender || "User") + " wrote", m.text, "chat-" + c.id);
    }
    if (m.id) send({ type: "read", chat_id: c.id, up_to: m.id });
  }

  async function openChat(id) {
    if (chats.has(id)) return select(id);
    const r = await api("GET", "/api/chats/" + id);
    if (r.status !== 200 || !r.body) return;
    const ctx = r.body.context || {};
    const tab = el("button", { type: "button", role: "tab", "data-testid": "chat-tab", text: ctx.user_name || "Chat" });
    const log = el("div", { class: "log", "data-testid": "chat-log", "aria-live": "polite" });
    const typing = el("div", { class: "typing", "aria-live": "polite" });
    const input = el("input", { "aria-label": "Message", maxlength: "4000", "data-testid": "console-input" });
    const fileInput = el("input", { type: "file", "aria-label": "Send a file", "data-testid": "console-file" });
    fileInput.addEventListener("change", () => {
      const f = fileInput.files && fileInput.files[0];
      fileInput.value = "";
      if (f) sendFile(id, f);
    });
    // An internal note: seen by operators only, kept on the ticket.
    const noteToggle = el("input", { type: "checkbox", "data-testid": "note-toggle" });
    const noteLabel = el("label", { class: "note-toggle" }, noteToggle, " Internal note");
    noteToggle.addEventListener("change", () => {
      form.classList.toggle("noting", noteToggle.checked);
      input.placeholder = noteToggle.checked ? "Internal note: only operators see it" : "";
      input.focus();
    });
    // Saved replies: "/" at the start of the message box lists them.
    const menu = el("ul", { role: "listbox", class: "canned-menu", "aria-label": "Saved replies", "data-testid": "canned-menu", hidden: true });
    input.setAttribute("aria-autocomplete", "list");
    const form = el("form", null, menu, input, el("button", { type: "submit", text: "Send", "data-testid": "console-send" }), noteLabel, fileInput);
    const end = el("button", { type: "button", text: "End chat", "data-testid": "end-chat" });
    const mail = el("button", { type: "button", text: "Email transcript", "data-testid": "email-transcript" });
    mail.addEventListener("click", () => api("POST", "/api/chats/" + id + "/email-transcript"));
    const transfer = el("button", { type: "button", text: "Transfer…", "data-testid": "transfer" });
    transfer.addEventListener("click", async () => {
      const to = (prompt("Transfer to (an operator's email, or a team's name):") || "").trim();
      if (!to) return;
      const r = await api("POST", "/api/chats/" + id + "/transfer", to.includes("@") ? { operator: to } : { team: to });
      if (r.status !== 200 && r.body) alert(r.body.message);
    });
    const before = el("details", null, el("summary", { text: "Bot conversation before the escalation (" + (ctx.conversation || []).length + ")" }));
    const links = el("div", { class: "links" });
    const seen = new Set();
    for (const m of ctx.conversation || []) {
      before.append(el("div", { class: "msg bot" }, el("strong", { text: (m.role === "user" ? "User" : "Bot") + ": " }), m.content));
      let sources = [];
      try {
        sources = m.sources ? JSON.parse(m.sources) : [];
      } catch (_) {
        sources = [];
      }
      for (const s of sources) {
        if (!s || !s.url || seen.has(s.url)) continue;
        seen.add(s.url);
        const b = el("button", { type: "button", "data-testid": "send-article", text: "Send: " + (s.title || s.url) });
        b.addEventListener("click", () => say(id, (s.title || "This article") + ": " + new URL(s.url, location.origin).href));
        links.append(b);
      }
    }
    const earlier = el("details", { "data-testid": "earlier-chats", hidden: !(ctx.earlier_chats || []).length },
      el("summary", { text: "Earlier chats about this ticket (" + (ctx.earlier_chats || []).length + ")" }));
    for (const ch of ctx.earlier_chats || []) {
      earlier.append(el("h4", { text: new Date(ch.created_at * 1000).toLocaleString() }));
      for (const m of ch.messages || []) earlier.append(el("div", { class: "msg" + (m.kind === "system" ? " system" : "") + (m.internal ? " note" : "") }, m.sender ? el("strong", { text: m.sender + ": " }) : null, m.text));
    }
    const ticketBox = el("div", { class: "ticket-box", "data-testid": "chat-ticket" });
    const panel = el(
      "div",
      { class: "panel", role: "tabpanel", "data-chat": id },
      el("div", { class: "context" },
        el("strong", { text: ctx.user_name || "" }), " <" + (ctx.user_email || "") + ">",
        ctx.page_url ? el("div", { text: "On page: " + ctx.page_url }) : null,
        ctx.ticket_number ? el("div", null, el("a", { href: "/portal/tickets/" + ctx.ticket_number, text: "Ticket #" + ctx.ticket_number })) : null,
        (ctx.other_tickets || []).length
          ? el("div", { "data-testid": "other-tickets" }, "Other tickets: ",
            ...ctx.other_tickets.map((t) => el("a", { href: "/portal/tickets/" + t.number, target: "_blank", class: "other-ticket", text: "#" + t.number + " " + t.summary + " (" + t.status_label + ")" })))
          : null),
      ticketBox,
      before,
      earlier,
      links,
      log,
      typing,
      form,
      el("div", { class: "links" }, end, mail, transfer)
    );
    const closeTab = el("button", { type: "button", text: "Close tab", "data-testid": "close-chat" });
    closeTab.addEventListener("click", () => closeChat(id));
    const ended = el("p", { class: "ended-note", role: "status", "data-testid": "chat-ended", hidden: true }, el("span", { class: "ended-text" }), " ", closeTab);
    panel.insertBefore(ended, form);
    const c = { id, name: ctx.user_name || "Chat", tab, panel, log, typing, form, ended, ticketBox, ticketNumber: null, lastId: 0, clientSeq: 0, typingSentAt: 0, subscribed: false, over: false, canned: [], menu, pick: 0 };
    chats.set(id, c);
    loadCanned(c);
    input.addEventListener("input", () => showMenu(c, input));
    input.addEventListener("keydown", (e) => menuKey(c, input, e));
    // Closed when the focus leaves (late enough for a click on an option to
    // count), unless it came back meanwhile.
    input.addEventListener("blur", () =>
      setTimeout(() => {
        if (document.activeElement !== input) menu.hidden = true;
      }, 150)
    );
    showTicket(c, ctx.ticket_number);
    tab.addEventListener("click", () => select(id));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      say(id, text, noteToggle.checked);
      input.value = "";
    });
    // At most one typing notice every two seconds.
    input.addEventListener("input", () => {
      const now = Date.now();
      if (!input.value.trim() || noteToggle.checked || now - c.typingSentAt < 2000) return;
      c.typingSentAt = now;
      send({ type: "typing", chat_id: id });
    });
    end.addEventListener("click", async () => {
      await api("POST", "/api/chats/" + id + "/end");
    });
    $("tabs").append(tab);
    $("panels").append(panel);
    select(id);
    send({ type: "subscribe", chat_id: id, after: 0 });
    // Opened from a search: an ended chat reads as ended at once.
    if (r.body.status === "ended" || r.body.status === "cancelled") markEnded(c, r.body.end_reason);
  }

  // ----- saved replies in the composer ---------------------------------------------------

  async function loadCanned(c) {
    const r = await api("GET", "/api/chats/" + c.id + "/canned-responses");
    if (r.status === 200 && Array.isArray(r.body)) c.canned = r.body;
  }

  function matches(c, value) {
    if (!value.startsWith("/")) return [];
    const q = value.slice(1).toLowerCase();
    if (/\s/.test(q)) return [];
    return c.canned.filter((x) => x.shortcut.startsWith(q) || (q.length > 1 && x.text.toLowerCase().includes(q))).slice(0, 8);
  }

  function showMenu(c, input) {
    // The first "/" fetches the list again: replies saved meanwhile count.
    if (input.value === "/") loadCanned(c).then(() => showMenu(c, input));
    const found = matches(c, input.value);
    c.menu.replaceChildren();
    c.pick = 0;
    if (!input.value.startsWith("/")) {
      c.menu.hidden = true;
      return;
    }
    if (!found.length) {
      c.menu.append(el("li", { class: "muted", "data-testid": "canned-none", text: c.canned.length ? "No saved reply starts with that." : "No saved replies yet: add some under Saved replies." }));
    }
    found.forEach((x, i) => {
      const li = el("li", { role: "option", id: "canned-" + c.id + "-" + i, "aria-selected": i === 0 ? "true" : "false", "data-testid": "canned-option" },
        el("strong", { text: "/" + x.shortcut }), " ", el("span", { class: "muted", text: x.text.length > 90 ? x.text.slice(0, 90) + "…" : x.text }));
      li.addEventListener("mousedown", (e) => {
        e.preventDefault();
        insertCanned(c, input, x);
      });
      c.menu.append(li);
    });
    c.menu.found = found;
    c.menu.hidden = false;
  }

  function menuKey(c, input, e) {
    if (c.menu.hidden) return;
    const found = c.menu.found || [];
    if (e.key === "Escape") {
      c.menu.hidden = true;
      e.preventDefault();
    } else if ((e.key === "ArrowDown" || e.key === "ArrowUp") && found.length) {
      e.preventDefault();
      c.pick = (c.pick + (e.key === "ArrowDown" ? 1 : found.length - 1)) % found.length;
      c.menu.querySelectorAll("[role=option]").forEach((li, i) => li.setAttribute("aria-selected", i === c.pick ? "true" : "false"));
      input.setAttribute("aria-activedescendant", "canned-" + c.id + "-" + c.pick);
    } else if ((e.key === "Enter" || e.key === "Tab") && found.length) {
      e.preventDefault();
      insertCanned(c, input, found[c.pick]);
    }
  }

  function insertCanned(c, input, x) {
    input.value = x.text;
    c.menu.hidden = true;
    input.removeAttribute("aria-activedescendant");
    input.focus();
  }

  const endReasons = {
    user: "The user ended the chat.",
    operator: "The operator ended the chat.",
    idle: "The chat ended after a while without messages.",
  };

  /** An ended chat reads as ended: no composer, no End or Transfer, a tab to close. */
  function markEnded(c, reason) {
    if (c.over) return;
    c.over = true;
    c.panel.classList.add("ended");
    c.form.hidden = true;
    c.typing.textContent = "";
    for (const b of c.panel.querySelectorAll("[data-testid=end-chat], [data-testid=transfer], [data-testid=send-article], [data-testid=console-input], [data-testid=console-send], [data-testid=console-file], [data-testid=note-toggle]")) b.disabled = true;
    c.ended.querySelector(".ended-text").textContent = endReasons[reason] || "This chat has ended.";
    c.ended.hidden = false;
    c.tab.textContent = c.name + " (ended)";
    c.tab.classList.add("ended");
  }

  function closeChat(id) {
    const c = chats.get(id);
    if (!c || !c.over) return;
    chats.delete(id);
    c.tab.remove();
    c.panel.remove();
    const next = chats.keys().next();
    if (next.done) {
      active = null;
      $("no-chats").hidden = false;
    } else {
      select(next.value);
    }
  }

  /** After a reconnection: chats that ended meanwhile (their event was missed). */
  async function checkEnded() {
    for (const c of chats.values()) {
      if (c.over) continue;
      const r = await api("GET", "/api/chats/" + c.id);
      if (r.status === 200 && r.body && (r.body.status === "ended" || r.body.status === "cancelled")) markEnded(c, r.body.end_reason);
    }
  }

  async function sendFile(id, f) {
    const c = chats.get(id);
    if (!c) return;
    c.clientSeq += 1;
    const data = new FormData();
    data.append("client_id", "op-f-" + Date.now() + "-" + c.clientSeq);
    data.append("file", f, f.name);
    const res = await fetch("/api/chats/" + id + "/files", { method: "POST", headers: { "X-CSRF-Token": csrf }, body: data, credentials: "same-origin" });
    if (res.status !== 201) {
      let msg = "The file could not be sent.";
      try {
        msg = (await res.json()).message || msg;
      } catch (_) {
        /* keep the general message */
      }
      alert(msg);
    }
  }

  // The chat's ticket: rename it, set its type and priority, at any time.
  async function showTicket(c, number) {
    if (!number || c.ticketNumber === number) return;
    const r = await api("GET", "/api/tickets/" + number);
    if (r.status !== 200 || !r.body) return;
    c.ticketNumber = number;
    const t = r.body.ticket || {};
    const summary = el("input", { "aria-label": "Ticket summary", maxlength: "200", "data-testid": "ticket-summary" });
    summary.value = t.summary || "";
    const choose = (label, testid, options, value) => {
      const s = el("select", { "aria-label": label, "data-testid": testid });
      for (const [v, text] of options) s.append(el("option", { value: v, text, selected: v === value }));
      return s;
    };
    const type = choose("Ticket type", "ticket-type", [["bug_report", "Bug report"], ["feature_request", "Feature request"], ["settings_help", "Settings help"]], t.type);
    const priority = choose("Ticket priority", "ticket-priority", [["low", "Low"], ["normal", "Normal"], ["high", "High"], ["urgent", "Urgent"]], t.priority);
    const status = el("span", { class: "muted", role: "status", "data-testid": "ticket-saved" });
    const save = el("button", { type: "submit", text: "Save ticket", "data-testid": "ticket-save" });
    const form = el("form", { class: "ticket-edit" },
      el("a", { href: "/portal/tickets/" + number, target: "_blank", text: "#" + number }), " ", summary, type, priority, save, status);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      status.textContent = "";
      const edit = await api("PATCH", "/api/tickets/" + number, { summary: summary.value, type: type.value });
      let ok = edit.status === 200;
      if (ok && priority.value !== t.priority) {
        const p = await api("POST", "/api/tickets/" + number + "/priority", { priority: priority.value });
        ok = p.status === 200 || p.status === 204;
        if (ok) t.priority = priority.value;
        else status.textContent = (p.body && p.body.message) || "Not saved.";
      } else if (!ok) {
        status.textContent = (edit.body && edit.body.message) || "Not saved.";
      }
      if (ok) status.textContent = "Saved.";
    });
    c.ticketBox.replaceChildren(form);
  }

  // A chat without a ticket gets one after a while: look again now and then.
  async function refreshTickets() {
    for (const c of chats.values()) {
      if (c.ticketNumber) continue;
      const r = await api("GET", "/api/chats/" + c.id);
      if (r.status === 200 && r.body && r.body.context) showTicket(c, r.body.context.ticket_number);
    }
  }

  function say(id, text, internal) {
    const c = chats.get(id);
    if (!c) return;
    c.clientSeq += 1;
    const msg = { type: "message", chat_id: id, client_id: "op-" + Date.now() + "-" + c.clientSeq, text };
    if (internal) msg.internal = true;
    send(msg);
  }

  // ----- the socket ----------------------------------------------------------------------

  const pending = [];
  function send(msg) {
    if (socket && socket.readyState === 1) socket.send(JSON.stringify(msg));
    else pending.push(msg);
  }

  function connect() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/console";
    socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      // Resume every chat after the last message seen.
      for (const c of chats.values()) if (!c.over) socket.send(JSON.stringify({ type: "subscribe", chat_id: c.id, after: c.lastId }));
      checkEnded();
      while (pending.length) {
        const m = pending.shift();
        if (m.type !== "subscribe") socket.send(JSON.stringify(m));
      }
    });
    socket.addEventListener("message", (e) => {
      let v = null;
      try {
        v = JSON.parse(e.data);
      } catch (_) {
        return;
      }
      const c = v.chat_id ? chats.get(v.chat_id) : null;
      if (v.type === "message" && c) addLine(c, v);
      else if (v.type === "typing" && c && !c.over && v.sender !== myName) {
        c.typing.textContent = v.sender + " is typing…";
        clearTimeout(c.typingTimer);
        c.typingTimer = setTimeout(() => (c.typing.textContent = ""), 3000);
      } else if (v.type === "resync" && c) send({ type: "subscribe", chat_id: c.id, after: c.lastId });
      else if (v.type === "subscribed" && c) c.subscribed = true;
      else if (v.type === "ended" && c) markEnded(c, v.reason);
      else if (v.type === "invitation") invitationChanged(v);
    });
    socket.addEventListener("close", () => setTimeout(connect, 1500));
  }

  // ----- admins: live-chat settings and teams --------------------------------------------------

  const numbers = ["accept_timeout_secs", "idle_timeout_secs", "auto_ticket_secs", "offline_after_secs", "default_capacity"];

  async function loadSettings() {
    const form = $("live-settings");
    if (!form) return;
    const r = await api("GET", "/api/admin/live-settings");
    if (r.status !== 200 || !r.body) return;
    form.chat_enabled.checked = !!r.body.chat_enabled;
    form.reoffer_overdue.checked = !!r.body.reoffer_overdue;
    form.chat_with.value = r.body.chat_with;
    for (const n of numbers) form[n].value = r.body[n];
  }

  async function loadTeams() {
    const list = $("teams");
    if (!list) return;
    const r = await api("GET", "/api/admin/teams");
    if (r.status !== 200 || !Array.isArray(r.body)) return;
    list.replaceChildren();
    for (const team of r.body) {
      const members = el("ul");
      for (const email of team.members) {
        const remove = el("button", { type: "button", text: "Remove", "data-testid": "remove-member" });
        remove.addEventListener("click", () => teamCall("DELETE", team.name, email));
        members.append(el("li", null, email + " ", remove));
      }
      const email = el("input", { type: "email", "aria-label": "Operator's email for " + team.name, placeholder: "operator's email", "data-testid": "member-email" });
      const add = el("form", { class: "settings-form" }, email, el("button", { type: "submit", text: "Add", "data-testid": "add-member" }));
      add.addEventListener("submit", (e) => {
        e.preventDefault();
        if (email.value.trim()) teamCall("PUT", team.name, email.value.trim());
      });
      list.append(el("li", { "data-team": team.name }, el("strong", { text: team.name }), members, add));
    }
  }

  async function teamCall(method, team, email) {
    const r = await api(method, "/api/admin/teams/" + encodeURIComponent(team) + "/members/" + encodeURIComponent(email));
    $("teams-status").textContent = r.status === 204 ? "" : (r.body && r.body.message) || "Not changed.";
    loadTeams();
  }

  if ($("live-settings")) {
    $("live-settings").addEventListener("submit", async (e) => {
      e.preventDefault();
      const f = e.target;
      const body = { chat_enabled: f.chat_enabled.checked, chat_with: f.chat_with.value, reoffer_overdue: f.reoffer_overdue.checked };
      for (const n of numbers) body[n] = Number(f[n].value);
      const r = await api("PUT", "/api/admin/live-settings", body);
      $("live-settings-status").textContent = r.status === 200 ? "Saved." : (r.body && r.body.message) || "Not saved.";
    });
    $("new-team").addEventListener("submit", async (e) => {
      e.preventDefault();
      const name = e.target.name.value.trim();
      const r = await api("POST", "/api/admin/teams", { name });
      $("teams-status").textContent = r.status === 201 ? "" : (r.body && r.body.message) || "Not created.";
      if (r.status === 201) e.target.reset();
      loadTeams();
    });
    loadSettings();
    loadTeams();
  }

  // ----- saved replies: list, add, delete ---------------------------------------------------

  async function loadCannedList() {
    const list = $("canned-list");
    if (!list) return;
    const r = await api("GET", "/api/canned-responses");
    if (r.status !== 200 || !Array.isArray(r.body)) return;
    list.replaceChildren();
    if (!r.body.length) list.append(el("li", { class: "muted", text: "None yet." }));
    for (const x of r.body) {
      const remove = el("button", { type: "button", text: "Delete", "aria-label": "Delete /" + x.shortcut, "data-testid": "delete-canned" });
      remove.addEventListener("click", async () => {
        const d = await api("DELETE", "/api/canned-responses/" + x.id);
        $("canned-status").textContent = d.status === 204 ? "Deleted." : (d.body && d.body.message) || "Not deleted.";
        loadCannedList();
      });
      list.append(el("li", { "data-testid": "canned-item" }, el("strong", { text: "/" + x.shortcut }), " ",
        el("span", { class: "muted", text: "(" + (x.team || "every operator") + ") " }), x.text, " ", remove));
    }
  }

  if ($("new-canned")) {
    $("new-canned").addEventListener("submit", async (e) => {
      e.preventDefault();
      const f = e.target;
      const team = f.team.value.trim();
      const r = await api("POST", "/api/canned-responses", { shortcut: f.shortcut.value, text: f.text.value, team: team || null });
      $("canned-status").textContent = r.status === 201 ? "Saved: type /" + r.body.shortcut + " in a chat." : (r.body && r.body.message) || "Not saved.";
      if (r.status === 201) f.reset();
      loadCannedList();
      for (const c of chats.values()) loadCanned(c);
    });
    loadCannedList();
  }

  // ----- search: tickets by number, text or requester; chats by user ------------------------

  if ($("console-search")) {
    $("console-search").addEventListener("submit", async (e) => {
      e.preventDefault();
      const q = e.target.q.value.trim();
      const out = $("search-results");
      out.replaceChildren();
      if (!q) return;
      const [t, ch] = await Promise.all([
        api("GET", "/api/tickets?limit=20&q=" + encodeURIComponent(q)),
        q.replace(/^#/, "").length >= 2 ? api("GET", "/api/chats/search?q=" + encodeURIComponent(q)) : Promise.resolve({ status: 200, body: [] }),
      ]);
      const tickets = t.status === 200 && Array.isArray(t.body) ? t.body : [];
      const found = ch.status === 200 && Array.isArray(ch.body) ? ch.body : [];
      const tl = el("ul", { class: "queue-list", "data-testid": "search-tickets" });
      for (const x of tickets) {
        tl.append(el("li", null, el("a", { href: "/portal/tickets/" + x.number, target: "_blank", text: "#" + x.number + " " + x.summary }),
          el("span", { class: "muted", text: " " + (x.status_label || x.status) })));
      }
      const cl = el("ul", { class: "queue-list", "data-testid": "search-chats" });
      for (const x of found) {
        const open = el("button", { type: "button", class: "linkish", "data-testid": "search-chat", text: x.user_name + " · " + new Date(x.created_at * 1000).toLocaleString() });
        open.addEventListener("click", () => openChat(x.id));
        cl.append(el("li", null, open, el("span", { class: "muted", text: " " + x.status + (x.ticket_number ? " · #" + x.ticket_number : "") })));
      }
      out.append(
        el("h3", { text: "Tickets (" + tickets.length + ")" }), tickets.length ? tl : el("p", { class: "muted", text: "No ticket matches." }),
        el("h3", { text: "Chats (" + found.length + ")" }), found.length ? cl : el("p", { class: "muted", text: "No chat with a user by that name or email." })
      );
    });
  }

  // ----- start --------------------------------------------------------------------------------

  $("availability").addEventListener("change", async (e) => {
    // Asked on the operator's own gesture, as browsers require.
    if (e.target.value === "available") askNotifications();
    await api("PUT", "/api/operator/availability", { availability: e.target.value });
    refreshQueue();
  });

  async function start() {
    const a = await api("GET", "/api/operator/availability");
    if (a.body && a.body.availability) $("availability").value = a.body.availability;
    connect();
    const mine = await api("GET", "/api/operator/chats");
    for (const c of (mine.body || [])) await openChat(c.id);
    await restoreConnecting();
    refreshQueue();
    setInterval(refreshQueue, 2000);
    setInterval(refreshTickets, 15000);
    // From a ticket page: /console?invite=<number>.
    const invite = new URLSearchParams(location.search).get("invite");
    if (invite && /^\d{1,12}$/.test(invite)) {
      history.replaceState(null, "", "/console");
      inviteToChat(invite);
    }
  }
  start();
})();
