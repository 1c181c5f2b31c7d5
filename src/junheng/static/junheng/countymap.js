// County map point picking (region/_county_map.html): a click on an SVG with data-pick-x/-y
// fills those km inputs; typing in the inputs moves the marker. No inline script (CSP).
(function () {
  function num(el, key) { return parseFloat(el.getAttribute("data-" + key)); }
  function toPx(svg, x, y) {
    var s = num(svg, "scale"), pad = num(svg, "pad");
    return [pad + (x - num(svg, "x0")) * s, num(svg, "h") - pad - (y - num(svg, "y0")) * s];
  }
  function toKm(svg, px, py) {
    var s = num(svg, "scale"), pad = num(svg, "pad");
    return [num(svg, "x0") + (px - pad) / s, num(svg, "y0") + (num(svg, "h") - pad - py) / s];
  }
  document.querySelectorAll("svg[data-pick-x]").forEach(function (svg) {
    var ix = document.getElementById(svg.getAttribute("data-pick-x"));
    var iy = document.getElementById(svg.getAttribute("data-pick-y"));
    var mark = svg.querySelector("circle.pick");
    if (!ix || !iy) return;
    function place() {
      var x = parseFloat(ix.value), y = parseFloat(iy.value);
      if (!mark || isNaN(x) || isNaN(y)) return;
      var p = toPx(svg, x, y);
      mark.setAttribute("cx", p[0]); mark.setAttribute("cy", p[1]);
    }
    svg.addEventListener("click", function (e) {
      var m = svg.getScreenCTM();
      if (!m) return;
      var pt = svg.createSVGPoint();
      pt.x = e.clientX; pt.y = e.clientY;
      var p = pt.matrixTransform(m.inverse());
      var km = toKm(svg, p.x, p.y);
      ix.value = km[0].toFixed(1); iy.value = km[1].toFixed(1);
      [ix, iy].forEach(function (i) { i.dispatchEvent(new Event("change", { bubbles: true })); });
      place();
    });
    ix.addEventListener("input", place); iy.addEventListener("input", place);
    place();
    svg.setAttribute("data-ready", "1");
  });
})();
