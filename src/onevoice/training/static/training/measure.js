/* Click-to-measure on a radiograph (VHS exercise) and click-on-image quiz questions.
 *
 * A form marked [data-measure-form] holds an <svg data-measure> and a hidden input
 * "points": the trainee clicks the two ends of the long axis, the two ends of the short
 * axis, then the cranial edge of T4 and of each following vertebra. The points are
 * stored in the SVG's own coordinates (its viewBox), so the server measures in the same
 * units whatever the size the picture is shown at. The server computes the VHS.
 *
 * An <svg data-hotspot="qN"> answers a hotspot question: one click sets the hidden
 * input [data-hotspot-input="qN"] to "x,y".
 */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var STEPS = [
    { key: "long_axis", max: 2, hint: "Click the ventral border of the carina, then the cardiac apex." },
    { key: "short_axis", max: 2, hint: "Click both ends of the widest part of the heart, perpendicular to the long axis." },
    { key: "vertebrae", max: 40, hint: "Click the cranial edge of T4, then of T5, T6… until past the longer axis." }
  ];

  function toSvg(svg, evt) {
    var pt = svg.createSVGPoint();
    pt.x = evt.clientX;
    pt.y = evt.clientY;
    return pt.matrixTransform(svg.getScreenCTM().inverse());
  }

  function el(name, attrs) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function layer(svg) {
    var g = svg.querySelector("g.marks");
    if (!g) { g = el("g", { "class": "marks" }); svg.appendChild(g); }
    return g;
  }

  function scale(svg) {
    var vb = svg.viewBox && svg.viewBox.baseVal;
    return vb && vb.width ? vb.width / 900 : 1;
  }

  function round1(v) { return Math.round(v * 10) / 10; }

  function setupMeasure(form) {
    var svg = form.querySelector("svg");
    var input = form.querySelector("input[name=points]");
    var submit = form.querySelector("button[type=submit]");
    var hint = form.querySelector("[data-role=hint]");
    if (!svg || !input) { return; }
    var k = scale(svg);
    var points = { long_axis: [], short_axis: [], vertebrae: [] };
    var current = 0;

    function render() {
      var g = layer(svg);
      while (g.firstChild) { g.removeChild(g.firstChild); }
      [["long_axis", "m-long"], ["short_axis", "m-short"]].forEach(function (pair) {
        var pts = points[pair[0]];
        if (pts.length === 2) {
          g.appendChild(el("line", { x1: pts[0][0], y1: pts[0][1], x2: pts[1][0], y2: pts[1][1], "class": pair[1], "stroke-width": 3 * k }));
        }
        pts.forEach(function (p) { g.appendChild(el("circle", { cx: p[0], cy: p[1], r: 6 * k, "class": pair[1] })); });
      });
      points.vertebrae.forEach(function (p, i) {
        g.appendChild(el("circle", { cx: p[0], cy: p[1], r: 5 * k, "class": "m-vert" }));
        var label = el("text", { x: p[0] + 4 * k, y: p[1] - 8 * k, "class": "m-label", "font-size": 14 * k });
        label.textContent = "T" + (4 + i);
        g.appendChild(label);
      });
      Object.keys(points).forEach(function (key) {
        var counter = form.querySelector("[data-count=" + key + "]");
        if (counter) { counter.textContent = points[key].length; }
      });
      form.querySelectorAll("[data-step]").forEach(function (b) {
        b.classList.toggle("outline", Number(b.getAttribute("data-step")) !== current);
        b.setAttribute("aria-pressed", Number(b.getAttribute("data-step")) === current ? "true" : "false");
      });
      if (hint) { hint.textContent = STEPS[current].hint; }
      var ready = points.long_axis.length === 2 && points.short_axis.length === 2 && points.vertebrae.length >= 2;
      input.value = ready ? JSON.stringify(points) : "";
      if (submit) { submit.disabled = !ready; }
    }

    svg.addEventListener("click", function (evt) {
      var step = STEPS[current];
      var list = points[step.key];
      if (list.length >= step.max) { return; }
      var p = toSvg(svg, evt);
      list.push([round1(p.x), round1(p.y)]);
      if (list.length === step.max && current < STEPS.length - 1) { current += 1; }
      render();
    });
    form.querySelectorAll("[data-step]").forEach(function (b) {
      b.addEventListener("click", function () { current = Number(b.getAttribute("data-step")); render(); });
    });
    form.querySelectorAll("[data-action=undo]").forEach(function (b) {
      b.addEventListener("click", function () {
        for (var i = current; i >= 0; i -= 1) {
          if (points[STEPS[i].key].length) { points[STEPS[i].key].pop(); current = i; break; }
        }
        render();
      });
    });
    form.querySelectorAll("[data-action=reset]").forEach(function (b) {
      b.addEventListener("click", function () {
        points = { long_axis: [], short_axis: [], vertebrae: [] };
        current = 0;
        render();
      });
    });
    svg.style.cursor = "crosshair";
    render();
  }

  function setupHotspot(svg) {
    var name = svg.getAttribute("data-hotspot");
    var input = document.querySelector("input[data-hotspot-input=" + name + "]");
    if (!input) { return; }
    var k = scale(svg);
    function draw(x, y) {
      var g = layer(svg);
      while (g.firstChild) { g.removeChild(g.firstChild); }
      g.appendChild(el("circle", { cx: x, cy: y, r: 9 * k, "class": "m-hot" }));
      g.appendChild(el("line", { x1: x - 14 * k, y1: y, x2: x + 14 * k, y2: y, "class": "m-hot" }));
      g.appendChild(el("line", { x1: x, y1: y - 14 * k, x2: x, y2: y + 14 * k, "class": "m-hot" }));
    }
    if (input.value) {
      var xy = input.value.split(",");
      draw(Number(xy[0]), Number(xy[1]));
    }
    if (input.form === null || input.closest("form") === null) { return; }
    svg.style.cursor = "crosshair";
    svg.addEventListener("click", function (evt) {
      var p = toSvg(svg, evt);
      input.value = round1(p.x) + "," + round1(p.y);
      draw(p.x, p.y);
    });
  }

  function init() {
    document.querySelectorAll("form[data-measure-form]").forEach(setupMeasure);
    document.querySelectorAll("svg[data-hotspot]").forEach(setupHotspot);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
