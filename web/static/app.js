// Keeps deadline countdowns current without a reload; the page is complete
// without it (the server renders the same text).
(function () {
  "use strict";
  var zh = document.documentElement.lang === "zh-CN";
  function span(ms) {
    var m = Math.round(ms / 60000), d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mi = m % 60;
    if (zh) return d > 0 ? d + "天 " + h + "小时" : h > 0 ? h + "小时 " + mi + "分钟" : mi + "分钟";
    return d > 0 ? d + " d " + h + " h" : h > 0 ? h + " h " + mi + " min" : mi + " min";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.countdown[data-due]").forEach(function (el) {
      var left = Date.parse(el.dataset.due) - now;
      el.textContent = left < 0 ? (zh ? "已超时 " : "overdue by ") + span(-left) : (zh ? "剩余 " : "") + span(left) + (zh ? "" : " left");
      el.classList.toggle("late", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 4 * 3600000);
    });
  }
  setInterval(tick, 30000);
})();

// Keeps a work queue current without a reload (issue 18): every
// data-refresh seconds it asks for the page again and swaps the queue in
// when it changed — not while a row is chosen or the bulk form is in use,
// so nothing the user is doing is lost.
(function () {
  "use strict";
  var queue = document.getElementById("queue");
  if (!queue || !window.fetch || !window.DOMParser) return;
  var every = parseInt(queue.dataset.refresh, 10) * 1000;
  function busy() {
    return queue.querySelector("input[type=checkbox]:checked") || queue.contains(document.activeElement) ||
      queue.querySelector("details[open]");
  }
  function refresh() {
    if (document.hidden || busy()) return;
    fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (!html || busy()) return;
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.getElementById("queue"), views = doc.querySelector("nav.views");
      if (fresh && fresh.innerHTML !== queue.innerHTML) queue.innerHTML = fresh.innerHTML;
      var old = document.querySelector("nav.views");
      if (views && old && views.innerHTML !== old.innerHTML) old.innerHTML = views.innerHTML;
    }).catch(function () {});
  }
  if (every > 0) setInterval(refresh, every);
})();

// polish (issue 18): a table wider than its box scrolls inside it; the
// box then takes keyboard focus (arrow keys scroll it) and is named after
// its table, so keyboard and screen-reader users can reach what is off to
// the side. Boxes that fit are left out of the tab order.
(function () {
  "use strict";
  function name(box) {
    var t = box.querySelector("table");
    if (!t) return document.title;
    if (t.caption) return t.caption.textContent.trim();
    var by = t.getAttribute("aria-labelledby") && document.getElementById(t.getAttribute("aria-labelledby"));
    if (by) return by.textContent.trim();
    for (var el = box.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) return el.textContent.trim();
    }
    var h = box.closest("section, article, main") && box.closest("section, article, main").querySelector("h1, h2, h3");
    return h ? h.textContent.trim() : document.title;
  }
  function mark() {
    document.querySelectorAll(".scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", name(box));
      } else if (box.hasAttribute("tabindex")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  mark();
  var pending;
  window.addEventListener("resize", function () { clearTimeout(pending); pending = setTimeout(mark, 100); });
  document.addEventListener("toggle", mark, true); // a table inside <details> just opened
})();
