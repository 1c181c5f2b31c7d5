/* Growth portrait: the five dimensions as a radar (Chart.js, data via json_script; no inline
   script). Scores only, never a rank. */
(function () {
  "use strict";
  var el = document.getElementById("portrait-chart");
  var canvas = document.getElementById("portrait-radar");
  if (!el || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(el.textContent);
  var chart = new Chart(canvas, {
    type: "radar",
    data: { labels: data.labels, datasets: [{ data: data.data, fill: true,
      backgroundColor: "rgba(31, 119, 180, 0.2)", borderColor: "#1f77b4", pointBackgroundColor: "#1f77b4" }] },
    options: { maintainAspectRatio: false, plugins: { legend: { display: false } },
      scales: { r: { min: 0, max: 100, ticks: { stepSize: 20 } } },
      animation: { onComplete: function () { canvas.dataset.rendered = "1"; } } }
  });
  if (chart) canvas.dataset.chart = "radar";
})();
