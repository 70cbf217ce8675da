/* Charts of the shared dashboard (Chart.js, served locally). Each point links to the records behind it. */
(function () {
  "use strict";
  var INK = "#1c2330", MUTED = "#667085", LINE = "#e3e6eb";
  var SERIES = ["#2f5bea", "#c11574", "#067647", "#b54708", "#0e9384"];
  var charts = [];
  var records = document.documentElement.dataset.records || "/reporting/records/";

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function go(query) { if (query) { window.location.href = records + "?" + query; } }

  function base(extra) {
    var options = {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { labels: { color: INK, boxWidth: 12 } }, tooltip: { intersect: false } },
      scales: {}
    };
    return Object.assign(options, extra || {});
  }

  function funnel() {
    var d = data("funnel-data"), canvas = document.getElementById("chart-funnel");
    if (!d || !canvas) { return; }
    charts.push(new Chart(canvas, {
      type: "bar",
      data: { labels: d.labels, datasets: [{ label: "Leads entering the stage", data: d.values,
        backgroundColor: d.labels.map(function (_, i) { return i < 3 ? "#7ea2ff" : (i < 5 ? "#e879b9" : "#34b37d"); }),
        borderRadius: 4 }] },
      options: base({
        indexAxis: "y",
        plugins: { legend: { display: false },
          tooltip: { callbacks: { title: function (items) { return d.names[items[0].dataIndex]; } } } },
        scales: { x: { grid: { color: LINE }, ticks: { color: MUTED } }, y: { grid: { display: false }, ticks: { color: INK } } },
        onClick: function (_, els) { if (els.length) { go(d.links[els[0].index]); } },
        onHover: function (e, els) { e.native.target.style.cursor = els.length ? "pointer" : "default"; }
      })
    }));
  }

  function trend() {
    var d = data("trend-data"), canvas = document.getElementById("chart-trend");
    if (!d || !canvas || !d.series) { return; }
    charts.push(new Chart(canvas, {
      type: "line",
      data: { labels: d.titles, datasets: d.series.map(function (s, i) {
        return { label: s.label, data: s.values.map(function (v) { return v === null ? null : v * 100; }),
                 borderColor: SERIES[i], backgroundColor: SERIES[i], tension: 0.25, spanGaps: true, pointRadius: 4 };
      }) },
      options: base({
        scales: { y: { min: 0, ticks: { color: MUTED, callback: function (v) { return v + "%"; } }, grid: { color: LINE } },
                  x: { ticks: { color: MUTED }, grid: { display: false } } },
        plugins: { tooltip: { callbacks: { label: function (c) {
          return c.dataset.label + ": " + (c.parsed.y === null ? "—" : c.parsed.y.toFixed(1) + "%"); } } } },
        onClick: function (_, els) { if (els.length) { go(d.series[els[0].datasetIndex].links[els[0].index]); } }
      })
    }));
  }

  function attribution() {
    var d = data("attribution-data"), canvas = document.getElementById("chart-attribution");
    if (!d || !canvas) { return; }
    charts.push(new Chart(canvas, {
      type: "bar",
      data: { labels: d.map(function (c) { return c.channel; }),
              datasets: [{ label: "Conversions credited", data: d.map(function (c) { return c.conversions; }),
                           backgroundColor: "#7ea2ff", borderRadius: 4 }] },
      options: base({ plugins: { legend: { display: false } },
        scales: { y: { ticks: { color: MUTED }, grid: { color: LINE } }, x: { ticks: { color: INK }, grid: { display: false } } } })
    }));
  }

  function draw() {
    if (typeof Chart === "undefined") { return; }
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    funnel(); trend(); attribution();
  }

  function periodInputs() {
    var period = document.getElementById("f-period");
    ["f-from", "f-to"].forEach(function (id) {
      var input = document.getElementById(id);
      if (input && period) { input.addEventListener("change", function () { period.value = ""; }); }
    });
    if (period) {
      period.addEventListener("change", function () {
        if (period.value) { ["f-from", "f-to"].forEach(function (id) { var i = document.getElementById(id); if (i) { i.value = ""; } }); }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () { draw(); periodInputs(); });
  document.body.addEventListener("htmx:afterSettle", draw);
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
})();
