// Draws every chart on the page from its Vega-Lite spec (vega-embed, served locally).
// The spec sits in a <script type="application/json">; its description is the figure's caption.
// Where the page is narrower than the chart (a phone), the chart is laid out again at the
// page's width, so that its text keeps its size instead of being scaled down with it.
document.querySelectorAll(".opl-chart").forEach(function (el) {
  var spec = JSON.parse(document.getElementById(el.dataset.spec).textContent);
  if (typeof spec.width === "number" && el.clientWidth && el.clientWidth < spec.width + 80) {
    spec.width = "container";
    spec.autosize = { type: "fit-x", contains: "padding" };
  }
  vegaEmbed(el, spec, { actions: false, renderer: "svg" }).catch(function (err) {
    el.textContent = "The chart could not be drawn: " + err;
  });
});
