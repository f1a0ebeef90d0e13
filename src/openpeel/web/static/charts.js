// Draws every chart on the page from its Vega-Lite spec (vega-embed, served locally).
// The spec sits in a <script type="application/json">; its description is the figure's caption.
// A chart in a closed <details> is drawn when it is first opened (a page of many charts loads
// only those shown). Where the page is narrower than the chart (a phone), the chart is laid out
// again at the page's width, so that its text keeps its size instead of being scaled down with it.
function drawChart(el) {
  if (el.dataset.drawn) return;
  el.dataset.drawn = "1";
  var spec = JSON.parse(document.getElementById(el.dataset.spec).textContent);
  if (typeof spec.width === "number" && el.clientWidth && el.clientWidth < spec.width + 80) {
    spec.width = "container";
    spec.autosize = { type: "fit-x", contains: "padding" };
  }
  vegaEmbed(el, spec, { actions: false, renderer: "svg" }).catch(function (err) {
    el.textContent = "The chart could not be drawn: " + err;
  });
}
document.querySelectorAll(".opl-chart").forEach(function (el) {
  var closed = el.closest("details:not([open])");
  if (!closed) {
    drawChart(el);
    return;
  }
  closed.addEventListener("toggle", function () {
    if (closed.open) drawChart(el);
  });
});
// a link to a part of the page inside a closed <details> (a series in the forecasts' summary)
// opens it
function openTarget() {
  var target = location.hash && document.getElementById(location.hash.slice(1));
  var closed = target && target.closest("details:not([open])");
  if (closed) {
    closed.open = true;
    target.scrollIntoView();
  }
}
window.addEventListener("hashchange", openTarget);
openTarget();
