// Draws every chart on the page from its Vega-Lite spec (vega-embed, served locally).
// The spec sits in a <script type="application/json">; its description is the figure's caption.
document.querySelectorAll(".opl-chart").forEach(function (el) {
  var spec = JSON.parse(document.getElementById(el.dataset.spec).textContent);
  vegaEmbed(el, spec, { actions: false, renderer: "svg" }).catch(function (err) {
    el.textContent = "The chart could not be drawn: " + err;
  });
});
