// Live countdowns: every element with data-due (ISO-8601) shows the time left, or how late it is.
(function () {
  function show(ms) {
    const minutes = Math.floor(Math.abs(ms) / 60000);
    const days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    if (days) return days + " d " + hours + " h";
    if (hours) return hours + " h " + String(mins).padStart(2, "0") + " min";
    if (minutes) return mins + " min";
    return Math.floor(Math.abs(ms) / 1000) + " s";
  }
  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      const due = Date.parse(el.dataset.due), warn = el.dataset.warn ? Date.parse(el.dataset.warn) : null;
      const left = due - now;
      el.textContent = left >= 0 ? show(left) + " left" : "overdue by " + show(left);
      el.classList.toggle("due-late", left < 0);
      el.classList.toggle("due-soon", left >= 0 && warn !== null && now >= warn);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
