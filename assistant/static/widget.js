/*
 * The embeddable chat widget.
 *
 *   <script src="https://HOST/widget.js" data-site="SITE_KEY" async></script>
 *
 * Renders a launcher button and a chat panel inside a shadow root, so the host
 * page's styles neither leak in nor out. No framework, no dependencies. The
 * session id and the transcript live in sessionStorage, so a page reload within
 * the visit keeps the conversation. Every text is inserted with textContent:
 * nothing the visitor or the server sends is ever parsed as HTML.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    var all = document.querySelectorAll("script[data-site]");
    script = all[all.length - 1];
  }
  if (!script || window.__qualifierWidget) return;
  window.__qualifierWidget = true;

  var site = script.getAttribute("data-site") || "";
  var title = script.getAttribute("data-title") || "Chat with us";
  var api = new URL(script.src, window.location.href).origin;
  var storeKey = "qualifier-chat:" + site;

  function load() {
    try {
      return JSON.parse(window.sessionStorage.getItem(storeKey)) || { turns: [] };
    } catch (e) {
      return { turns: [] };
    }
  }
  function save(state) {
    try {
      window.sessionStorage.setItem(storeKey, JSON.stringify(state));
    } catch (e) { /* storage full or blocked: the chat still works */ }
  }
  var state = load();

  var host = document.createElement("div");
  host.setAttribute("data-qualifier-widget", "");
  var root = host.attachShadow({ mode: "open" });
  var style = document.createElement("style");
  style.textContent = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;",
    "padding:14px 20px;background:#1f4fd1;color:#fff;font-size:15px;font-weight:600;cursor:pointer;",
    "box-shadow:0 6px 20px rgba(0,0,0,.25)}",
    ".launcher:focus-visible,.send:focus-visible,.close:focus-visible,textarea:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}",
    ".panel{position:fixed;right:20px;bottom:84px;z-index:2147483000;width:360px;max-width:calc(100vw - 24px);",
    "height:520px;max-height:calc(100vh - 110px);display:flex;flex-direction:column;background:#fff;",
    "border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.3);overflow:hidden;color:#1b1b1b}",
    ".panel[hidden]{display:none}",
    "header{display:flex;align-items:center;justify-content:space-between;padding:12px 16px;background:#1f4fd1;color:#fff}",
    "header h2{margin:0;font-size:16px}",
    ".close{background:transparent;border:0;color:#fff;font-size:22px;cursor:pointer;line-height:1}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f6f7fb}",
    ".msg{max-width:85%;padding:9px 12px;border-radius:12px;font-size:14px;line-height:1.4;white-space:pre-wrap;word-wrap:break-word}",
    ".bot{align-self:flex-start;background:#fff;border:1px solid #dde1ea}",
    ".visitor{align-self:flex-end;background:#1f4fd1;color:#fff}",
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #dde1ea;background:#fff}",
    "textarea{flex:1;resize:none;height:42px;padding:10px;border:1px solid #b9c0d0;border-radius:8px;font-size:14px}",
    ".send{border:0;border-radius:8px;background:#1f4fd1;color:#fff;padding:0 14px;font-weight:600;cursor:pointer}",
    ".send[disabled]{opacity:.6;cursor:wait}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}",
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100vh;max-height:100vh;border-radius:0}}"
  ].join("");
  root.appendChild(style);

  var launcher = document.createElement("button");
  launcher.className = "launcher";
  launcher.type = "button";
  launcher.textContent = title;
  launcher.setAttribute("aria-haspopup", "dialog");
  launcher.setAttribute("aria-expanded", "false");

  var panel = document.createElement("section");
  panel.className = "panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);

  var header = document.createElement("header");
  var h2 = document.createElement("h2");
  h2.textContent = title;
  var close = document.createElement("button");
  close.className = "close";
  close.type = "button";
  close.setAttribute("aria-label", "Close chat");
  close.textContent = "\u00d7";
  header.appendChild(h2);
  header.appendChild(close);

  var log = document.createElement("div");
  log.className = "log";
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");

  var form = document.createElement("form");
  var label = document.createElement("label");
  label.className = "sr";
  label.textContent = "Your message";
  label.setAttribute("for", "qualifier-input");
  var input = document.createElement("textarea");
  input.id = "qualifier-input";
  input.setAttribute("maxlength", "4000");
  input.setAttribute("placeholder", "Type your message…");
  var send = document.createElement("button");
  send.className = "send";
  send.type = "submit";
  send.textContent = "Send";
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(send);

  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(form);
  root.appendChild(launcher);
  root.appendChild(panel);

  function show(role, text) {
    var div = document.createElement("div");
    div.className = "msg " + (role === "visitor" ? "visitor" : "bot");
    div.setAttribute("data-role", role);
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  }
  function remember(role, text) {
    state.turns.push({ role: role, text: text });
    save(state);
    show(role, text);
  }
  state.turns.forEach(function (t) { show(t.role, t.text); });

  function request(path, body) {
    return fetch(api + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit"
    }).then(function (res) {
      return res.json().then(function (json) {
        if (!res.ok) throw new Error(json.error || ("HTTP " + res.status));
        return json;
      });
    });
  }

  function ensureSession() {
    if (state.session) return Promise.resolve(state.session);
    return request("/api/chat/sessions", { site: site, page_url: window.location.href }).then(function (json) {
      state.session = json.session_id;
      save(state);
      if (json.greeting && state.turns.length === 0) remember("bot", json.greeting);
      return state.session;
    });
  }

  function open() {
    panel.hidden = false;
    state.open = true;
    save(state);
    launcher.setAttribute("aria-expanded", "true");
    ensureSession().catch(function () {
      remember("bot", "Sorry, the chat is unavailable right now. Please try again later.");
    });
    input.focus();
  }
  function hide() {
    panel.hidden = true;
    state.open = false;
    save(state);
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  launcher.addEventListener("click", function () { panel.hidden ? open() : hide(); });
  close.addEventListener("click", hide);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") hide(); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text || send.disabled) return;
    input.value = "";
    remember("visitor", text);
    send.disabled = true;
    ensureSession()
      .then(function (id) { return request("/api/chat/sessions/" + encodeURIComponent(id) + "/messages", { text: text }); })
      .then(function (json) {
        remember("bot", json.reply);
        if (json.done) { state.done = true; save(state); }
      })
      .catch(function (err) {
        if (/unknown chat session/i.test(String(err.message))) { state.session = null; save(state); }
        remember("bot", "Sorry, something went wrong sending that. Please try again.");
      })
      .then(function () { send.disabled = false; input.focus(); });
  });

  function mount() {
    document.body.appendChild(host);
    if (state.open) open();  // a reload keeps the conversation where it was
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
