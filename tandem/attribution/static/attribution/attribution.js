/* The Attribution page: one grouped bar chart (a bar per model, grey for what buyers said), redrawn after each htmx swap. */
(function () {
  "use strict";
  var INK = "#1c2330", MUTED = "#667085", LINE = "#e3e6eb";
  var chart = null;

  function money(v, d) {
    return d.measure === "value" ? Math.round(v).toLocaleString() : (Math.round(v * 100) / 100).toLocaleString();
  }

  function draw() {
    var node = document.getElementById("attribution-chart"), canvas = document.getElementById("chart-attribution-models");
    if (chart) { chart.destroy(); chart = null; }
    if (!node || !canvas || typeof Chart === "undefined") { return; }
    var d = JSON.parse(node.textContent);
    chart = new Chart(canvas, {
      type: "bar",
      data: { labels: d.labels, datasets: d.datasets.map(function (s) {
        return { label: s.label, data: s.data, backgroundColor: s.color, borderColor: s.said ? "#667085" : s.color,
                 borderWidth: s.said ? 1 : 0, borderRadius: 2, categoryPercentage: 0.82, barPercentage: 0.92 };
      }) },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: {
          legend: { position: "top", align: "start", labels: { color: INK, boxWidth: 12, boxHeight: 12 } },
          tooltip: { mode: "index", intersect: false, callbacks: { label: function (c) {
            return c.dataset.label + ": " + money(c.parsed.y, d) + (d.measure === "value" && d.currency ? " " + d.currency : "");
          } } }
        },
        scales: {
          x: { ticks: { color: INK, autoSkip: false, maxRotation: 30, minRotation: 0 }, grid: { display: false } },
          y: { beginAtZero: true, ticks: { color: MUTED, callback: function (v) { return money(v, d); } }, grid: { color: LINE } }
        }
      }
    });
  }

  function customDates(event) {
    // choosing a date means a custom period; choosing a period clears the dates
    var form = event.target.form;
    if (!form) { return; }
    if (event.target.name === "from" || event.target.name === "to") { form.elements.period.value = ""; }
    if (event.target.name === "period" && event.target.value) { form.elements.from.value = ""; form.elements.to.value = ""; }
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
  document.addEventListener("change", customDates, true);
})();
