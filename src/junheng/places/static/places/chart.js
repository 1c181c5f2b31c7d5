/* School places: projected students against capacity by year (Chart.js, data via json_script).
   No inline script: the page's data is a <script type="application/json" id="places-chart">. */
(function () {
  "use strict";
  var el = document.getElementById("places-chart");
  var canvas = document.getElementById("places-canvas");
  if (!el || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(el.textContent);
  var colours = { baseline: "#1f77b4", scenario: "#d62728" };
  var datasets = [{
    label: data.history.label, data: data.history.data, borderColor: "#334e68",
    backgroundColor: "#334e68", tension: 0.15, spanGaps: false
  }];
  data.projections.forEach(function (p) {
    datasets.push({ label: p.label, data: p.data, borderColor: colours[p.variant],
                    backgroundColor: colours[p.variant], borderDash: [5, 3], tension: 0.15 });
  });
  data.capacity.forEach(function (c) {
    var colour = c.variant === "scenario" ? "#f08c00" : "#2f9e44";
    datasets.push({ label: c.label, data: c.data, borderColor: colour, backgroundColor: colour,
                    stepped: true, pointRadius: 0, borderWidth: 2 });
    if (c.variant === "baseline") {
      datasets.push({ label: data.amber_label,
                      data: c.data.map(function (v) { return v === null ? null : Math.round(v * 0.9); }),
                      borderColor: "#f0b429", borderDash: [2, 4], pointRadius: 0, borderWidth: 1,
                      stepped: true });
    }
  });
  new Chart(canvas, {
    type: "line",
    data: { labels: data.years, datasets: datasets },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
               interaction: { mode: "index", intersect: false },
               scales: { y: { beginAtZero: true } } }
  });
  canvas.dataset.rendered = "1";
})();
