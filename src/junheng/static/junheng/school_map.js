// Scatter map of schools on the county grid (km); bubble size ~ enrolment; colour = urban/town/rural.
(function () {
  var el = document.getElementById("school-map");
  if (!el || !window.Chart) return;
  var pts = JSON.parse(document.getElementById("school-points").textContent);
  var colours = { urban: "#0b6e4f", town: "#d9822b", rural: "#2d72d2" };
  var labels = { urban: "城区 urban", town: "镇区 town", rural: "乡村 rural" };
  var sets = Object.keys(colours).map(function (k) {
    return {
      label: labels[k], backgroundColor: colours[k] + "aa",
      data: pts.filter(function (p) { return p.ur === k; }).map(function (p) {
        return { x: p.x, y: p.y, r: Math.max(3, Math.sqrt(p.students) / 4), name: p.name, students: p.students };
      })
    };
  });
  new Chart(el, {
    type: "bubble", data: { datasets: sets },
    options: {
      animation: false, maintainAspectRatio: false,
      scales: { x: { title: { display: true, text: "km" } }, y: { title: { display: true, text: "km" } } },
      plugins: { tooltip: { callbacks: { label: function (c) { return c.raw.name + " · " + c.raw.students; } } } }
    }
  });
  el.dataset.ready = "1";
})();
