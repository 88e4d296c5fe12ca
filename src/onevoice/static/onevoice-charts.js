// Render every Vega-Lite spec on the page with the vendored vega-embed (no network).
function onevoiceCharts(root) {
  (root || document).querySelectorAll("div.chart[data-spec-id]").forEach(function (el) {
    if (el.dataset.rendered) return;
    var script = document.getElementById(el.dataset.specId);
    if (!script) return;
    var spec = JSON.parse(script.textContent);
    el.dataset.rendered = "1";
    vegaEmbed(el, spec, { actions: { export: true, source: false, compiled: false, editor: false } })
      .then(function () { el.dataset.ready = "1"; })
      .catch(function (err) { el.textContent = "Chart could not be drawn: " + err; });
  });
}
document.addEventListener("DOMContentLoaded", function () { onevoiceCharts(); });
document.addEventListener("htmx:afterSwap", function (e) { onevoiceCharts(e.target); });
// A dashboard being updated with the latest changes (a few tenths of a second) says so
// and reloads itself once the moment has passed: once, so a page that is still (or again)
// being updated after the reload stays put instead of reloading every few seconds.
document.addEventListener("DOMContentLoaded", function () {
  var stale = document.querySelector("[data-reload-in]");
  var key = "onevoice-reloaded:" + window.location.pathname + window.location.search;
  if (!stale) { window.sessionStorage.removeItem(key); return; }
  if (window.sessionStorage.getItem(key)) return;
  window.sessionStorage.setItem(key, "1");
  setTimeout(function () { window.location.reload(); }, 1000 * Number(stale.dataset.reloadIn));
});
