/* reviewqa widget: a chat bubble answering questions about one film from critics' reviews.
   <script src="https://HOST/widget.js" data-film="Her (2013)" data-key="KEY" async></script>
   With data-view="report" (and data-film) the panel shows the film's reception report instead
   (GET /api/films/{film}/report with the same key), drawn here from its JSON.
   No dependencies; all in a shadow root. Text is set with textContent, never as HTML, so no
   text becomes a link ([n] markers become buttons to the quote); reveal() shows hidden
   characters (bidi, zero-width) as markers like ⟦U+202E⟧. An answer is shown once: its lead
   (the finding), then each quote once in the citations. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !me.src) return;
  var base = new URL(me.src).origin;
  var film = me.getAttribute("data-film") || "";
  var key = me.getAttribute("data-key") || "";
  var report = film && me.getAttribute("data-view") === "report"; /* else the chat */
  var title = me.getAttribute("data-title") || (film ? "Critics on " + film : "Ask the critics");
  var turns = []; /* the chat shown, sent with each question: any server can answer it */
  var busy = false;

  var CSS =
    ":host{all:initial}*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',sans-serif}" +
    ".launch{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;" +
    "display:flex;align-items:center;justify-content:center;background:#1f4e79;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.3);z-index:2147483646}" +
    ".launch:focus-visible,button:focus-visible,input:focus-visible,.log:focus-visible{outline:3px solid #b45309;outline-offset:2px}" +
    ".panel{position:fixed;right:20px;bottom:88px;width:380px;max-height:min(600px,calc(100vh - 110px));display:flex;" +
    "flex-direction:column;background:#fff;color:#1b1b1b;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);" +
    "z-index:2147483647;overflow:hidden;font-size:14px;line-height:1.45}" +
    ".panel[hidden]{display:none}" +
    "header{display:flex;align-items:center;justify-content:space-between;padding:10px 14px;background:#1f4e79;color:#fff}" +
    "header h2{margin:0;font-size:15px;font-weight:600}" +
    ".close{background:none;border:0;color:#fff;font-size:22px;cursor:pointer;line-height:1;padding:2px 6px}" +
    ".log{flex:1;overflow-y:auto;padding:12px 14px;min-height:120px;position:relative}" +
    ".q{margin:8px 0 6px auto;background:#e8f0f8;padding:8px 10px;border-radius:10px;max-width:85%;width:fit-content}" +
    ".a{margin:6px 0 14px;overflow-wrap:anywhere}" +
    ".lead p{margin:0 0 6px}.lead ul{margin:0 0 6px 18px;padding:0}.lead li{margin:2px 0}" +
    ".ref{font:inherit;font-weight:700;color:#1f4e79;background:none;border:0;padding:0 1px;text-decoration:underline}" +
    ".ask{font:inherit;color:#1f4e79;background:#fff;border:1px solid #1f4e79;border-radius:9px;margin:4px 4px 0 0}" +
    ".ref,.ask{cursor:pointer}" +
    ".err{color:#8a1c1c;background:#fdecec;padding:8px 10px;border-radius:8px}" +
    ".cites{list-style:none;margin:6px 0 0;padding:0}" +
    ".cite{border-left:3px solid #1f4e79;background:#f6f8fa;margin:6px 0;padding:6px 8px;border-radius:0 6px 6px 0}" +
    ".cite.unverified{border-left-color:#c77700}" +
    ".cite:focus{outline:3px solid #f5a623;outline-offset:1px}" +
    ".film{font-size:13px;font-weight:700;color:#1b1b1b}" +
    ".who{font-size:12px;color:#444;font-weight:600}.pos{color:#166534}.neg{color:#b42318}.unv{color:#92400e}" +
    ".quote{margin:4px 0 0;font-style:italic;white-space:normal}" +
    ".cov{font-size:12px;color:#555;margin-top:6px}" +
    "form{display:flex;gap:6px;padding:10px;border-top:1px solid #ddd}" +
    "input{flex:1;padding:8px 10px;border:1px solid #999;border-radius:8px;font-size:14px;color:#1b1b1b;background:#fff}" +
    ".send{padding:8px 12px;border:0;border-radius:8px;background:#1f4e79;color:#fff;cursor:pointer;font-size:14px}" +
    ".send[disabled]{opacity:.6;cursor:wait}" +
    ".rep h3{margin:0;font-size:16px}.rep h4{margin:14px 0 4px;font-size:14px}.rep p{margin:4px 0}" +
    ".chart{display:block;width:100%;height:auto;color:#1f4e79}" +
    "details{margin:6px 0}summary{cursor:pointer;font-weight:600}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}" +
    "@media (max-width:520px){.panel{left:0;right:0;bottom:0;width:100%;max-height:100%;height:100%;border-radius:0}" +
    ".launch{right:14px;bottom:14px}}";

  /* HIDDEN is ui/text_safety.py's js_pattern() (a test checks they match). */
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
  log.tabIndex = 0; /* scrolls: keyboard reachable */
  log.setAttribute("role", "log");
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
  if (report) {
    launch.setAttribute("aria-label", "Critics' reception of " + film);
    log.removeAttribute("aria-live");
    log.setAttribute("role", "region");
    log.setAttribute("aria-label", "Reception report");
    log.classList.add("rep");
    log.firstChild.textContent = "Loading the report\u2026";
  } else panel.appendChild(form);
  root.appendChild(launch);
  root.appendChild(panel);

  function setOpen(open) {
    panel.hidden = !open;
    launch.setAttribute("aria-expanded", String(open));
    if (open && report) showReport();
    if (open) (report ? log : input).focus();
    else launch.focus();
  }
  launch.addEventListener("click", function () { setOpen(panel.hidden); });
  close.addEventListener("click", function () { setOpen(false); });
  root.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !panel.hidden) { e.preventDefault(); setOpen(false); }
  });

  function txt(t) { return document.createTextNode(t); }

  /* The finding: the answer less its quote bullets and their stance headings. */
  function leadFromAnswer(text) {
    var kept = [];
    String(text).trim().split(/\n\s*\n/).forEach(function (block) {
      var lines = block.split("\n");
      var quotes = lines.filter(function (l) { return /^[-*]\s+["\u201C]/.test(l.trim()); });
      var rest = lines.filter(function (l) { return quotes.indexOf(l) < 0; });
      if (quotes.length) rest = rest.filter(function (l) { return !/^\*\*[^*]+\*\*(\s*\(\d+\))?:?$/.test(l.trim()); });
      if (rest.join("").trim()) kept.push(rest.join("\n").trim());
    });
    return kept.join("\n\n");
  }

  /* One line: **bold** as <strong>, [n] of a known citation as a button to it, the rest text. */
  function inline(target, line, cites) {
    var re = /\*\*(.+?)\*\*|\[(\d+(?:\s*,\s*\d+)*)\]/g, at = 0, m;
    while ((m = re.exec(line))) {
      if (m.index > at) target.appendChild(txt(line.slice(at, m.index)));
      var ns = m[2] ? m[2].split(/\s*,\s*/) : [];
      if (m[1] != null) target.appendChild(el("strong", null, m[1]));
      else if (ns.every(function (n) { return cites[n]; })) ns.forEach(function (n) {
        var b = el("button", "ref", "[" + n + "]");
        b.type = "button";
        b.setAttribute("aria-label", "Quote " + n);
        b.addEventListener("click", function () {
          var shut = cites[n].closest("details");
          if (shut) shut.open = true;
          cites[n].scrollIntoView({ block: "nearest" });
          cites[n].focus();
        });
        target.appendChild(b);
      });
      else target.appendChild(txt(m[0]));
      at = re.lastIndex;
    }
    if (at < line.length) target.appendChild(txt(line.slice(at)));
  }

  /* The lead: paragraphs, "- " lines as a list. */
  function fillLead(node, text, cites) {
    node.textContent = "";
    var list = null, para = null;
    reveal(text).split("\n").forEach(function (raw) {
      var line = raw.trim(), target;
      if (!line) { list = para = null; return; }
      if (/^[-*] /.test(line)) {
        if (!list) list = node.appendChild(el("ul"));
        para = null;
        target = list.appendChild(el("li"));
        line = line.slice(2);
      } else {
        list = null;
        if (para) para.appendChild(el("br"));
        else para = node.appendChild(el("p"));
        target = para;
      }
      inline(target, line, cites);
    });
  }

  /* One quote as a list item; `cites[n]` is its first card. A report's quote shows its
     stance (the report's film is its heading), an answer's its review's label and film. */
  function card(c, cites) {
    var item = el("li", c.verified ? "cite" : "cite unverified");
    item.tabIndex = -1;
    cites[c.n] = cites[c.n] || item;
    if (!c.stance) item.appendChild(el("div", "film", reveal(c.film || "Unknown film")));
    var who = el("div", "who"), side = c.stance || c.sentiment;
    var parts = [c.critic, c.publication].filter(function (p) { return p && p.trim(); });
    var date = c.date && c.date.trim() ? reveal(c.date) : "date unknown";
    who.appendChild(txt("[" + c.n + "] " + (reveal(parts.join(", ")) || "Unnamed critic") + ", " + date + " "));
    if (side === "positive") who.appendChild(el("span", "pos", "\u25B2 positive"));
    if (side === "negative") who.appendChild(el("span", "neg", "\u25BC negative"));
    if (!c.stance && c.side && c.side !== c.sentiment) {  /* read otherwise than its label */
      if (c.side === "positive") who.appendChild(el("span", "pos", " \u25B2 positive on this point"));
      if (c.side === "negative") who.appendChild(el("span", "neg", " \u25BC negative on this point"));
    }
    if (!c.verified) who.appendChild(el("span", "unv", " \u26A0 unverified quote"));
    item.appendChild(who);
    item.appendChild(el("blockquote", "quote", "\u201C" + reveal(c.quote) + "\u201D"));
    return item;
  }

  function cards(box, quotes, cites, name) {
    var list = el("ol", "cites");
    list.setAttribute("aria-label", name);
    quotes.forEach(function (c) { list.appendChild(card(c, cites)); });
    if (list.childNodes.length) box.appendChild(list);
  }

  function showCitations(box, result, cites) {
    cards(box, result.citations || [], cites, "Citations");
    var more = el("div", "cov", "Ask about: ");
    (result.kind !== "answer" && result.suggestions || []).forEach(function (title) {
      var b = more.appendChild(el("button", "ask", reveal(title)));
      b.type = "button";
      b.addEventListener("click", function () { if (!busy) ask("What did critics think of " + title + "?"); });
      box.appendChild(more);
    });
    var line = result.coverage && result.coverage.line;
    var lead = result.lead || leadFromAnswer(result.answer || "");
    if (result.kind !== "unknown_film" && line && lead.indexOf(line) < 0) box.appendChild(el("div", "cov", reveal(line)));
  }

  /* A new answer opens at its start (its question at the top). */
  function toTop(node) { log.scrollTop = Math.max(0, node.offsetTop - 8); }

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
    var asked = el("div", "q", reveal(question));
    log.appendChild(asked);
    var box = el("div", "a");
    var answer = el("div", "lead", "\u2026");
    box.appendChild(answer);
    log.appendChild(box);
    toTop(asked);
    var cites = {}; /* n -> its citation */
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
      var reader = res.body.getReader(), decoder = new TextDecoder();
      var buffer = "", text = "", done = false;
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
          if (event === "token") { text += payload.text; fillLead(answer, leadFromAnswer(text) || "\u2026", cites); }
          else if (event === "result") {
            turns.push({ question: question, answer: payload.answer.slice(0, 2000) });
            showCitations(box, payload, cites);
            fillLead(answer, payload.lead || leadFromAnswer(payload.answer), cites);
            toTop(asked);
          } else if (event === "error") return fail(box, answer, payload.error || "Something went wrong.");
        }
      }
    } catch (err) {
      fail(box, answer, "Could not reach the assistant: this site may not be allowed to use it.");
    } finally {
      busy = false;
      send.disabled = false;
      log.setAttribute("aria-busy", "false");
    }
  }

  /* -- the reception report (data-view="report") -- */
  var loaded = false;
  async function showReport() {
    if (loaded) return;
    loaded = true;
    log.setAttribute("aria-busy", "true");
    var url = base + "/api/films/" + encodeURIComponent(film) + "/report" + (key ? "?key=" + encodeURIComponent(key) : "");
    var msg = "Could not reach the assistant: this site may not be allowed to use it.";
    try {
      var res = await fetch(url), data = await res.json().catch(function () { return {}; });
      if (res.ok) {
        log.textContent = "";
        return drawReport(log, data);
      }
      msg = data.error || "The report was refused (HTTP " + res.status + ").";
    } catch (_) { /* msg says it */ } finally { log.setAttribute("aria-busy", "false"); }
    loaded = false; /* opening the panel again retries */
    fail(log, log.firstChild, msg);
  }

  function counted(c) {
    return c.reviews + " reviews: " + c.positive + " positive, " + c.negative + " negative, " + c.unlabelled + " unlabelled";
  }
  function both(q) { return (q.positive || []).concat(q.negative || []); }

  /* Counts, consensus ([n]: buttons to the cards), the chart, pull quotes, themes collapsed. */
  function drawReport(box, r) {
    var cites = {}, themes = r.themes || [];
    box.appendChild(el("h3", null, reveal(r.film)));
    box.appendChild(el("p", null, counted(r.counts)));
    if (r.top_critics.reviews) box.appendChild(el("p", "cov", "Top critics: " + counted(r.top_critics)));
    box.appendChild(el("h4", null, "Consensus"));
    var said = box.appendChild(el("p", "lead"));
    box.appendChild(el("h4", null, "Reviews by " + r.timeline.unit));
    drawChart(box, r.timeline);
    box.appendChild(el("h4", null, "Pull quotes"));
    cards(box, both(r.pull_quotes || {}), cites, "Pull quotes");
    box.appendChild(el("h4", null, "What critics talk about"));
    themes.forEach(function (t) {
      var d = box.appendChild(el("details")), label = "\u201C" + reveal(t.label) + "\u201D";
      d.appendChild(el("summary", null, label + ": " + t.reviews + " reviews, " + t.positive + " positive, " + t.negative + " negative"));
      cards(d, both(t.quotes), cites, "Quotes on " + label);
    });
    if (!themes.length) box.appendChild(el("p", null, "No theme found: too few reviews share a subject."));
    inline(said, reveal(r.consensus), cites); /* after the cards: its [n] point at them */
  }

  /* Stacked bars per period, readable without colour: positive solid, negative hatched,
     unlabelled outlined, each bar's count above it; every figure in the chart's label. */
  function drawChart(box, t) {
    var bins = t.bins, W = 360, H = 150, top = 16, plot = H - top - 30;
    if (!bins.length) return box.appendChild(el("p", null, "No dated reviews."));
    var most = Math.max.apply(null, bins.map(function (b) { return b.reviews; })) || 1;
    var step = W / bins.length, w = Math.max(2, step * 0.7), every = Math.ceil(bins.length / 6);
    function svg(tag, attrs, parent) {
      var n = document.createElementNS(SVG, tag);
      for (var k in attrs) n.setAttribute(k, attrs[k]);
      return parent.appendChild(n);
    }
    var chart = svg("svg", { viewBox: "0 0 " + W + " " + H, class: "chart", role: "img" }, box);
    chart.setAttribute("aria-label", "Reviews by " + t.unit + ": " + bins.map(function (b) { return b.period + ", " + counted(b); }).join("; "));
    var hatch = svg("pattern", { id: "rq-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, svg("defs", {}, chart));
    svg("line", { y2: 6, stroke: "currentColor", "stroke-width": 2.5 }, hatch);
    svg("line", { y1: top + plot, x2: W, y2: top + plot, stroke: "currentColor" }, chart);
    bins.forEach(function (b, i) {
      var g = svg("g", {}, chart), x = i * step + (step - w) / 2, y = top + plot;
      svg("title", {}, g).textContent = b.period + ": " + counted(b);
      [[b.positive, "currentColor", "none"], [b.negative, "url(#rq-hatch)", "currentColor"], [b.unlabelled, "none", "currentColor"]].forEach(function (s) {
        if (s[0]) svg("rect", { x: x, y: (y -= plot * s[0] / most), width: w, height: plot * s[0] / most, fill: s[1], stroke: s[2] }, g);
      });
      var label = { x: x + w / 2, "font-size": 11, "text-anchor": "middle", fill: "#1b1b1b" };
      if (b.reviews) svg("text", Object.assign({ y: y - 3 }, label), g).textContent = b.reviews;
      if (i % every === 0) svg("text", Object.assign({ y: top + plot + 14 }, label), g).textContent = b.period;
    });
    box.appendChild(el("p", "cov", "\u25A0 positive \u00B7 \u25A8 negative \u00B7 \u25A1 unlabelled" + (t.undated.reviews ? " \u00B7 undated: " + counted(t.undated) : "")));
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
