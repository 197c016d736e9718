/* reviewqa widget: a chat bubble answering questions about one film from critics' reviews.
   <script src="https://HOST/widget.js" data-film="Her (2013)" data-key="KEY" async></script>
   No dependencies. Everything lives in a shadow root; all text is set with textContent, never
   as HTML, so answer and review text never becomes a link. Hidden characters (bidi controls,
   zero-width characters) are shown as markers like ⟦U+202E⟧ by reveal(). */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !me.src) return;
  var base = new URL(me.src).origin;
  var film = me.getAttribute("data-film") || "";
  var key = me.getAttribute("data-key") || "";
  var title = me.getAttribute("data-title") || (film ? "Critics on " + film : "Ask the critics");
  var turns = []; /* the chat shown, sent with each question: any server can answer it */
  var busy = false;

  var CSS =
    ":host{all:initial}*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',sans-serif}" +
    ".launch{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;" +
    "display:flex;align-items:center;justify-content:center;background:#1f4e79;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.3);z-index:2147483646}" +
    ".launch:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid #f5a623;outline-offset:2px}" +
    ".panel{position:fixed;right:20px;bottom:88px;width:380px;max-height:min(600px,calc(100vh - 110px));display:flex;" +
    "flex-direction:column;background:#fff;color:#1b1b1b;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);" +
    "z-index:2147483647;overflow:hidden;font-size:14px;line-height:1.45}" +
    ".panel[hidden]{display:none}" +
    "header{display:flex;align-items:center;justify-content:space-between;padding:10px 14px;background:#1f4e79;color:#fff}" +
    "header h2{margin:0;font-size:15px;font-weight:600}" +
    ".close{background:none;border:0;color:#fff;font-size:22px;cursor:pointer;line-height:1;padding:2px 6px}" +
    ".log{flex:1;overflow-y:auto;padding:12px 14px;min-height:120px}" +
    ".q{margin:8px 0 6px auto;background:#e8f0f8;padding:8px 10px;border-radius:10px;max-width:85%;width:fit-content}" +
    ".a{margin:6px 0 14px;white-space:pre-wrap;word-wrap:break-word}" +
    ".err{color:#8a1c1c;background:#fdecec;padding:8px 10px;border-radius:8px}" +
    ".cites{list-style:none;margin:6px 0 0;padding:0}" +
    ".cite{border-left:3px solid #1f4e79;background:#f6f8fa;margin:6px 0;padding:6px 8px;border-radius:0 6px 6px 0}" +
    ".cite.unverified{border-left-color:#c77700}" +
    ".who{font-size:12px;color:#444;font-weight:600}.pos{color:#1a7f37}.neg{color:#b42318}.unv{color:#c77700}" +
    ".quote{margin:4px 0 0;font-style:italic;white-space:normal}" +
    ".cov{font-size:12px;color:#555;margin-top:6px}" +
    "form{display:flex;gap:6px;padding:10px;border-top:1px solid #ddd}" +
    "input{flex:1;padding:8px 10px;border:1px solid #999;border-radius:8px;font-size:14px;color:#1b1b1b;background:#fff}" +
    ".send{padding:8px 12px;border:0;border-radius:8px;background:#1f4e79;color:#fff;cursor:pointer;font-size:14px}" +
    ".send[disabled]{opacity:.6;cursor:wait}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}" +
    "@media (max-width:520px){.panel{left:0;right:0;bottom:0;width:100%;max-height:100%;height:100%;border-radius:0}" +
    ".launch{right:14px;bottom:14px}}";

  /* Mirror of ui/text_safety.py: HIDDEN is js_pattern() there (a test checks they match). */
  var HIDDEN = /[\u{0}-\u{8}\u{B}-\u{C}\u{E}-\u{1F}\u{7F}-\u{9F}\u{AD}\u{34F}\u{61C}\u{115F}-\u{1160}\u{17B4}-\u{17B5}\u{180E}\u{200B}-\u{200F}\u{202A}-\u{202E}\u{2060}-\u{206F}\u{3164}\u{FEFF}\u{FFA0}\u{FFF0}-\u{FFFB}\u{1BCA0}-\u{1BCA3}\u{1D173}-\u{1D17A}\u{E0000}-\u{E007F}]/gu;
  function reveal(text) {
    return String(text).replace(HIDDEN, function (ch) {
      return "\u27E6U+" + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0") + "\u27E7";
    });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  var host = el("div");
  host.setAttribute("data-reviewqa-widget", "");
  var root = host.attachShadow({ mode: "open" });
  var style = el("style");
  style.textContent = CSS;
  root.appendChild(style);

  var launch = el("button", "launch");
  launch.type = "button";
  var SVG = "http://www.w3.org/2000/svg";
  var icon = document.createElementNS(SVG, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("width", "28");
  icon.setAttribute("height", "28");
  icon.setAttribute("aria-hidden", "true");
  var path = document.createElementNS(SVG, "path");
  path.setAttribute("fill", "currentColor");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z");
  icon.appendChild(path);
  launch.appendChild(icon);
  launch.setAttribute("aria-label", "Ask about critics' reviews" + (film ? " of " + film : ""));
  launch.setAttribute("aria-expanded", "false");
  launch.setAttribute("aria-controls", "rq-panel");

  var panel = el("section", "panel");
  panel.id = "rq-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  var head = el("header");
  head.appendChild(el("h2", null, title));
  var close = el("button", "close", "\u00D7");
  close.type = "button";
  close.setAttribute("aria-label", "Close");
  head.appendChild(close);
  var log = el("div", "log");
  log.setAttribute("aria-live", "polite");
  log.appendChild(el("p", "cov", "Answers quote the critics' own words, with citations."));
  var form = el("form");
  var label = el("label", "sr", "Your question");
  label.htmlFor = "rq-input";
  var input = el("input");
  input.id = "rq-input";
  input.type = "text";
  input.maxLength = 1000;
  input.autocomplete = "off";
  input.placeholder = film ? "What do critics say about " + film.replace(/ \(\d{4}\)$/, "") + "?" : "Ask the critics…";
  var send = el("button", "send", "Send");
  send.type = "submit";
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(form);
  root.appendChild(launch);
  root.appendChild(panel);

  function setOpen(open) {
    panel.hidden = !open;
    launch.setAttribute("aria-expanded", String(open));
    if (open) input.focus();
    else launch.focus();
  }
  launch.addEventListener("click", function () { setOpen(panel.hidden); });
  close.addEventListener("click", function () { setOpen(false); });
  root.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !panel.hidden) { e.preventDefault(); setOpen(false); }
  });

  /* Answer text: "**Heading**" lines bold, the rest plain; never parsed as HTML. */
  function fillAnswer(node, text) {
    node.textContent = "";
    reveal(text).split("\n").forEach(function (line, i) {
      if (i) node.appendChild(document.createTextNode("\n"));
      var m = /^\*\*(.+?)\*\*(.*)$/.exec(line);
      if (m) { node.appendChild(el("strong", null, m[1])); node.appendChild(document.createTextNode(m[2])); }
      else node.appendChild(document.createTextNode(line));
    });
  }

  function showCitations(box, result) {
    var list = el("ol", "cites");
    list.setAttribute("aria-label", "Citations");
    (result.citations || []).forEach(function (c) {
      var item = el("li", c.verified ? "cite" : "cite unverified");
      var who = el("div", "who");
      var parts = [c.critic, c.publication, c.date].filter(function (p) { return p && p.trim(); });
      var names = reveal(parts.join(", ")) || "Unnamed critic";
      who.appendChild(document.createTextNode("[" + c.n + "] " + names + " "));
      if (c.sentiment === "positive") who.appendChild(el("span", "pos", "\u25B2 positive"));
      if (c.sentiment === "negative") who.appendChild(el("span", "neg", "\u25BC negative"));
      if (!c.verified) who.appendChild(el("span", "unv", " \u26A0 unverified quote"));
      item.appendChild(who);
      item.appendChild(el("blockquote", "quote", "\u201C" + reveal(c.quote) + "\u201D"));
      list.appendChild(item);
    });
    if (list.childNodes.length) box.appendChild(list);
    var line = result.coverage && result.coverage.line;
    if (line && (result.answer || "").indexOf(line) < 0) box.appendChild(el("div", "cov", reveal(line)));
  }

  function fail(box, answer, message) {
    answer.remove();
    var e = el("div", "err", reveal(message));
    e.setAttribute("role", "alert");
    box.appendChild(e);
  }

  async function ask(question) {
    busy = true;
    send.disabled = true;
    log.setAttribute("aria-busy", "true");
    log.appendChild(el("div", "q", reveal(question)));
    var box = el("div", "a");
    var answer = el("div", null, "\u2026");
    box.appendChild(answer);
    log.appendChild(box);
    log.scrollTop = log.scrollHeight;
    var body = { question: question };
    if (film) body.film = film;
    body.history = turns.slice(-6);
    var url = base + "/api/ask/stream" + (key ? "?key=" + encodeURIComponent(key) : "");
    try {
      var res = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(body),
      });
      if (!res.ok) {
        var msg = "The assistant refused the question (HTTP " + res.status + ").";
        try { msg = (await res.json()).error || msg; } catch (_) { /* not JSON */ }
        return fail(box, answer, msg);
      }
      var reader = res.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      var text = "";
      var done = false;
      while (!done) {
        var chunk = await reader.read();
        done = chunk.done;
        buffer += decoder.decode(chunk.value || new Uint8Array(), { stream: !done });
        var frames = buffer.split("\n\n");
        buffer = frames.pop();
        for (var i = 0; i < frames.length; i++) {
          var event = "message", data = "";
          frames[i].split("\n").forEach(function (line) {
            if (line.indexOf("event:") === 0) event = line.slice(6).trim();
            else if (line.indexOf("data:") === 0) data += line.slice(5).trim();
          });
          if (!data) continue;
          var payload = JSON.parse(data);
          if (event === "token") { text += payload.text; fillAnswer(answer, text); }
          else if (event === "result") {
            turns.push({ question: question, answer: payload.answer.slice(0, 2000) });
            fillAnswer(answer, payload.answer);
            showCitations(box, payload);
          } else if (event === "error") return fail(box, answer, payload.error || "Something went wrong.");
        }
        log.scrollTop = log.scrollHeight;
      }
    } catch (err) {
      fail(box, answer, "Could not reach the assistant: this site may not be allowed to use it.");
    } finally {
      busy = false;
      send.disabled = false;
      log.setAttribute("aria-busy", "false");
      log.scrollTop = log.scrollHeight;
    }
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value.trim();
    if (!q || busy) return;
    input.value = "";
    ask(q);
  });

  function mount() { document.body.appendChild(host); }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
