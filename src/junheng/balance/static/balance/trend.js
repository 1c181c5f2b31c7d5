/* Balance trend: each CV by year, one chart per level, with the level's limit. */
(function () {
  "use strict";
  var el = document.getElementById("balance-trend-data");
  if (!el || typeof Chart === "undefined") return;
  var data = JSON.parse(el.textContent);
  var palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];
  document.querySelectorAll("canvas[data-level]").forEach(function (canvas) {
    var level = canvas.dataset.level;
    var series = data.series[level] || {};
    var datasets = Object.keys(series).map(function (ind, i) {
      return { label: data.labels[ind], data: series[ind], borderColor: palette[i % 7],
               backgroundColor: palette[i % 7], tension: 0.2 };
    });
    datasets.push({ label: data.limit, data: data.years.map(function () { return data.limits[level]; }),
                    borderColor: "#ab091e", borderDash: [6, 4], pointRadius: 0 });
    new Chart(canvas, {
      type: "line",
      data: { labels: data.years, datasets: datasets },
      options: { animation: false, scales: { y: { beginAtZero: true } } }
    });
    canvas.dataset.rendered = "1";
  });
})();
