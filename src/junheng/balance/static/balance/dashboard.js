/* Balance dashboard: one scatter chart per indicator — schools by urban/town/rural, each
   school's value as a percentage of its threshold (100% = meets; 85% = the allowed partial). */
(function () {
  "use strict";
  var el = document.getElementById("balance-chart-data");
  if (!el || typeof Chart === "undefined") return;
  var data = JSON.parse(el.textContent);
  var colours = { urban: "#1f77b4", town: "#ff7f0e", rural: "#2ca02c" };
  document.querySelectorAll("canvas[data-indicator]").forEach(function (canvas) {
    var ind = canvas.dataset.indicator;
    // Points come as [students, % of threshold, index of the school's name] (names sent once).
    var packed = data.charts[ind] || {};
    var groups = {};
    Object.keys(packed).forEach(function (g) {
      groups[g] = packed[g].map(function (p) { return { x: p[0], y: p[1], name: data.names[p[2]] }; });
    });
    var xs = [];
    Object.keys(groups).forEach(function (g) { groups[g].forEach(function (p) { xs.push(p.x); }); });
    var xmax = xs.length ? Math.max.apply(null, xs) : 1;
    var datasets = Object.keys(groups).map(function (g) {
      return { type: "scatter", label: data.groups[g] || g, data: groups[g],
               backgroundColor: colours[g] || "#888", pointRadius: 4 };
    });
    datasets.push({ type: "line", label: data.threshold, data: [{ x: 0, y: 100 }, { x: xmax, y: 100 }],
                    borderColor: "#ab091e", borderWidth: 2, pointRadius: 0 });
    datasets.push({ type: "line", label: data.partial, data: [{ x: 0, y: 85 }, { x: xmax, y: 85 }],
                    borderColor: "#b44d12", borderDash: [4, 4], borderWidth: 1, pointRadius: 0 });
    var chart = new Chart(canvas, {
      data: { datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        parsing: true,
        scales: {
          x: { type: "linear", title: { display: true, text: data.x }, beginAtZero: true },
          y: { title: { display: true, text: data.y }, beginAtZero: true }
        },
        plugins: {
          tooltip: { callbacks: { label: function (c) {
            var p = c.raw; return (p.name ? p.name + " " : "") + p.y + "%";
          } } }
        }
      }
    });
    canvas.dataset.rendered = "1";
    canvas.chart = chart;
  });
})();
