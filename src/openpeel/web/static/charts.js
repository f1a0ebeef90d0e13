// Draws every chart on the page from its Vega-Lite spec (vega-embed, served locally).
// The spec sits in a <script type="application/json">; its description is the figure's caption.
// Each chart is as wide as its place on the screen (a phone's too), with labels of 12 px or
// more, and its title wrapped to that width.
var LABELS = { labelFontSize: 12, titleFontSize: 13 };

function merge(into, from) {
  Object.keys(from).forEach(function (k) {
    into[k] = Math.max(into[k] || 0, from[k]);
  });
  return into;
}

function wrap(text, width) {
  var perLine = Math.max(20, Math.floor(width / 8.5));
  var lines = [], line = "";
  String(text).split(" ").forEach(function (word) {
    if (line && (line + " " + word).length > perLine) { lines.push(line); line = word; }
    else { line = line ? line + " " + word : word; }
  });
  if (line) lines.push(line);
  return lines;
}

// On a narrow screen, long axis labels give up to 40% of the width (the rest is the chart's).
function capLabels(node, limit) {
  if (Array.isArray(node)) { node.forEach(function (n) { capLabels(n, limit); }); return; }
  if (node === null || typeof node !== "object") return;
  Object.keys(node).forEach(function (k) {
    if (k === "labelLimit" && typeof node[k] === "number") node[k] = Math.min(node[k], limit);
    else if (k !== "datasets" && k !== "data") capLabels(node[k], limit);
  });
}

// On a narrow screen, each legend below the chart, one entry a line, its title wrapped to the
// room left of the axis labels, whatever its spec says (legends side by side, or a long title,
// would be cut at the screen's edge).
function stackLegends(node, width) {
  if (Array.isArray(node)) { node.forEach(function (n) { stackLegends(n, width); }); return; }
  if (node === null || typeof node !== "object") return;
  Object.keys(node).forEach(function (k) {
    if (k === "legend" && node[k] && typeof node[k] === "object") {
      node[k].orient = "bottom";
      node[k].direction = "vertical";
      if (typeof node[k].title === "string") node[k].title = wrap(node[k].title, width * 0.55);
    } else if (k !== "datasets" && k !== "data") stackLegends(node[k], width);
  });
}

function fit(spec, width) {
  var single = !(spec.hconcat || spec.vconcat || spec.concat || spec.facet || spec.repeat);
  if (single) {
    spec.width = "container";
    spec.autosize = { type: "fit-x", contains: "padding" };
  }
  var config = spec.config = spec.config || {};
  config.axis = merge(config.axis || {}, LABELS);
  config.legend = merge(config.legend || {}, LABELS);
  config.header = merge(config.header || {}, LABELS);
  config.title = merge(config.title || {}, { fontSize: 15, subtitleFontSize: 13 });
  config.text = merge(config.text || {}, { fontSize: 12 });
  if (width < 600) {
    config.legend.orient = "bottom";  // on a phone, below the chart, one entry a line
    config.legend.direction = "vertical";
    config.axis.labelLimit = Math.round(width * 0.4);
    capLabels(spec, Math.round(width * 0.4));
    stackLegends(spec, width);
    config.legend.layout = { bottom: { direction: "vertical", anchor: "start" } };
  }
  if (spec.title) {
    var title = typeof spec.title === "object" && !Array.isArray(spec.title) ? spec.title : { text: spec.title };
    if (typeof title.text === "string") title.text = wrap(title.text, width);
    if (typeof title.subtitle === "string") title.subtitle = wrap(title.subtitle, width * 1.15);
    spec.title = title;
  }
  return spec;
}

// A chart in a closed <details> is drawn when it is first opened (a page of many charts loads
// only those shown).
function drawChart(el) {
  if (el.dataset.drawn) return;
  el.dataset.drawn = "1";
  var spec = JSON.parse(document.getElementById(el.dataset.spec).textContent);
  vegaEmbed(el, fit(spec, el.clientWidth), { actions: false, renderer: "svg" }).catch(function (err) {
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
