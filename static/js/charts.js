/* Charts of the dashboards, drawn with Chart.js from data the page carries in
   <script type="application/json"> blocks (json_script): no inline script, so a
   Content-Security-Policy without 'unsafe-inline' holds. Numbers follow the
   page's language: 9.391 and 92,7 in Vietnamese, 9,391 and 92.7 in English.
   Colours are Okabe–Ito (safe for colour-blind readers); the target line also
   differs by its dashes and its point shape, never by colour alone. */
(function () {
  "use strict";

  var BLUE = "#0072B2";
  var VERMILLION = "#D55E00";
  var GRID = "#d9dde3";
  var TEXT = "#1f2933";
  var WHITE = "#ffffff";
  var RECONSTRUCTED_DASH = [6, 4];

  function locale() {
    return document.documentElement.lang === "vi" ? "vi-VN" : "en-US";
  }

  function numberFormat(decimals, exact) {
    var options = { maximumFractionDigits: decimals };
    if (exact) { options.minimumFractionDigits = decimals; }
    return new Intl.NumberFormat(locale(), options);
  }

  function readData(id) {
    var element = document.getElementById(id);
    if (!element) { return null; }
    try { return JSON.parse(element.textContent); } catch (error) { return null; }
  }

  function formatters(data) {
    var exact = numberFormat(data.decimals, true);
    var axis = numberFormat(data.decimals, false);
    var yes = data.yes || "1";  // the words come translated from the page
    var no = data.no || "0";
    return {
      value: function (v) {
        if (v === null || v === undefined) { return "—"; }
        if (data.yesNo) { return v ? yes : no; }
        return exact.format(v) + (data.unit ? " " + data.unit : "");
      },
      tick: function (v) {
        if (data.yesNo) { return v === 1 ? yes : (v === 0 ? no : ""); }
        return axis.format(v);
      }
    };
  }

  /* Figures rebuilt from a merged unit's predecessors: their points hollow
     triangles, and every segment touching one dashed (the change across the
     break uses the rebuilt base too). */
  function markReconstructed(dataset, reconstructed) {
    dataset.segment = {
      borderDash: function (context) {
        return reconstructed[context.p0DataIndex] || reconstructed[context.p1DataIndex] ? RECONSTRUCTED_DASH
          : undefined;
      }
    };
    dataset.pointStyle = reconstructed.map(function (r) { return r ? "triangle" : "circle"; });
    dataset.pointBackgroundColor = reconstructed.map(function (r) { return r ? WHITE : BLUE; });
    dataset.legendStyle = { pointStyle: "circle", fillStyle: BLUE };  // not its first point's
    return dataset;
  }

  function legendLabels(chart) {
    return window.Chart.defaults.plugins.legend.labels.generateLabels(chart).map(function (item) {
      return Object.assign(item, chart.data.datasets[item.datasetIndex].legendStyle || {});
    });
  }

  function lineConfig(data, fmt) {
    var datasets = data.series.map(function (series) {
      var dataset = {
        label: series.label, data: series.data, borderColor: BLUE, backgroundColor: BLUE,
        borderWidth: 3, pointRadius: 5, pointHoverRadius: 7, pointStyle: "circle", spanGaps: false
      };
      return series.reconstructed ? markReconstructed(dataset, series.reconstructed) : dataset;
    });
    data.series.forEach(function (series) {
      if (series.reconstructed) {  // a legend entry only: the dashes are drawn on the series itself
        datasets.push({ label: series.reconstructedLabel, data: [], borderColor: BLUE, backgroundColor: WHITE,
                        borderWidth: 3, borderDash: RECONSTRUCTED_DASH, pointStyle: "triangle" });
      }
    });
    if (data.target) {
      datasets.push({
        label: data.target.label, data: data.target.data, borderColor: VERMILLION,
        backgroundColor: VERMILLION, borderWidth: 2, borderDash: [8, 5], pointRadius: 4,
        pointStyle: "rectRot", stepped: "before", spanGaps: true
      });
    }
    return {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: baseOptions(data, fmt, { beginAtZero: false, grace: "10%" })
    };
  }

  function barConfig(data, fmt) {
    return {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series) {
          return { label: series.label, data: series.data, backgroundColor: BLUE, borderColor: BLUE,
                   borderWidth: 1, maxBarThickness: 28 };
        })
      },
      options: Object.assign(baseOptions(data, fmt, { beginAtZero: true }, "x"), { indexAxis: "y" })
    };
  }

  function baseOptions(data, fmt, valueScale, valueAxis) {
    valueAxis = valueAxis || "y";
    var categoryAxis = valueAxis === "y" ? "x" : "y";
    var scales = {};
    scales[valueAxis] = Object.assign({
      ticks: { callback: fmt.tick, color: TEXT, precision: data.decimals, maxRotation: 0, autoSkip: true,
               maxTicksLimit: valueAxis === "x" ? 5 : 8 },
      grid: { color: GRID }
    }, valueScale);
    if (data.yesNo) { scales[valueAxis].min = 0; scales[valueAxis].max = 1; scales[valueAxis].ticks.stepSize = 1; }
    scales[categoryAxis] = { ticks: { color: TEXT, autoSkip: false }, grid: { display: false } };
    return {
      locale: locale(),
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: scales,
      plugins: {
        legend: { display: data.series.length > 1 || !!data.target
                           || data.series.some(function (series) { return !!series.reconstructed; }),
                  labels: { usePointStyle: true, color: TEXT, generateLabels: legendLabels } },
        tooltip: {
          callbacks: {
            label: function (context) {
              var value = valueAxis === "y" ? context.parsed.y : context.parsed.x;
              return context.dataset.label + ": " + fmt.value(value);
            }
          }
        }
      }
    };
  }

  function draw(canvas) {
    if (typeof window.Chart === "undefined") { return; }
    var data = readData(canvas.getAttribute("data-chart"));
    if (!data) { return; }
    var fmt = formatters(data);
    if (data.kind === "bar") {
      // Horizontal bars need height for their labels (CSSOM, allowed by the CSP).
      canvas.parentNode.style.height = Math.max(160, data.labels.length * 34 + 60) + "px";
    }
    var chart = new window.Chart(canvas, data.kind === "bar" ? barConfig(data, fmt) : lineConfig(data, fmt));
    canvas.setAttribute("data-chart-ready", "true");
    return chart;
  }

  function start() {
    var charts = [];
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), function (canvas) {
      var chart = draw(canvas);
      if (chart) { charts.push(chart); }
    });
    // Fit the paper's width when printing, and the screen's again afterwards.
    var resize = function () { charts.forEach(function (chart) { chart.resize(); }); };
    window.addEventListener("beforeprint", resize);
    window.addEventListener("afterprint", resize);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
