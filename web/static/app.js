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
