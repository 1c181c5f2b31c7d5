// Backbone and qualified teachers per 100 students, per school, before and after the plan.
(function () {
  var el = document.getElementById("rotation-chart-data");
  var canvas = document.getElementById("rotation-chart");
  if (!el || !canvas || typeof Chart === "undefined") return;
  var d = JSON.parse(el.textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: d.labels,
      datasets: [
        { label: d.before_label, data: d.before, backgroundColor: "#bcccdc" },
        { label: d.after_label, data: d.after, backgroundColor: "#0b6e4f" }
      ]
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { title: { display: true, text: d.title } },
      scales: { x: { ticks: { autoSkip: false, maxRotation: 90, minRotation: 45 } } }
    }
  });
})();
