// What each share of movers buys: the CVs of backbone and of qualified teachers after the plan,
// per share of eligible teachers moved, against their values before any move (dashed).
(function () {
  var el = document.getElementById("tradeoff-chart-data");
  var canvas = document.getElementById("tradeoff-chart");
  if (!el || !canvas || typeof Chart === "undefined") return;
  var d = JSON.parse(el.textContent);
  function flat(v) {
    return d.labels.map(function () { return v; });
  }
  new Chart(canvas, {
    type: "line",
    data: {
      labels: d.labels,
      datasets: [
        { label: d.backbone_label, data: d.backbone, borderColor: "#0b6e4f", backgroundColor: "#0b6e4f" },
        { label: d.qualified_label, data: d.qualified, borderColor: "#1f5fa8", backgroundColor: "#1f5fa8" },
        { label: d.backbone_before_label, data: flat(d.backbone_before), borderColor: "#0b6e4f",
          borderDash: [6, 4], pointRadius: 0, fill: false },
        { label: d.qualified_before_label, data: flat(d.qualified_before), borderColor: "#1f5fa8",
          borderDash: [6, 4], pointRadius: 0, fill: false }
      ]
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { title: { display: true, text: d.x_label } },
        y: { beginAtZero: true, title: { display: true, text: d.y_label } }
      }
    }
  });
})();
