/* A goal's history: revenue won against the target at each snapshot. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var node = document.getElementById("history-data"), canvas = document.getElementById("chart-history");
  if (!node || !canvas || typeof Chart === "undefined") { return; }
  var d = JSON.parse(node.textContent);
  new Chart(canvas, {
    type: "line",
    data: { labels: d.labels, datasets: [
      { label: "Won", data: d.won, borderColor: "#2f5bea", backgroundColor: "#2f5bea", tension: 0.2 },
      { label: "Target", data: d.target, borderColor: "#98a2b3", borderDash: [6, 4], pointRadius: 0 }] },
    options: { responsive: true, maintainAspectRatio: false, animation: false }
  });
});
