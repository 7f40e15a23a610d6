/* Assessment charts: ECharts from static/vendor/echarts (no CDN). Each chart has a table beside it. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  function read(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  var data = read("assess-charts"), ranking = read("assess-ranking") || [];
  if (!data) { return; }
  var charts = [];
  function make(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    el.setAttribute("data-rendered", "1");
    charts.push(chart);
  }
  var red = "#c8102e", blue = "#0b57a4", labels = data.labels || {};
  make("chart-trend", {
    animation: false, tooltip: { trigger: "axis" }, legend: { data: [labels.on_time, labels.satisfaction] },
    grid: { left: 40, right: 16, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", min: 0, max: 100 },
    series: [
      { name: labels.on_time, type: "line", data: data.trend.map(function (t) { return t.on_time; }), color: red },
      { name: labels.satisfaction, type: "line", data: data.trend.map(function (t) { return t.satisfaction; }), color: blue }
    ]
  });
  var ranked = ranking.filter(function (r) { return r.score !== null; }).slice().reverse();
  make("chart-rank", {
    animation: false, tooltip: {}, grid: { left: 110, right: 24, top: 10, bottom: 24 },
    xAxis: { type: "value", min: 0, max: 100 },
    yAxis: { type: "category", data: ranked.map(function (r) { return r.name; }) },
    series: [{ type: "bar", data: ranked.map(function (r) { return r.score; }), color: red }]
  });
  make("chart-funnel", {
    animation: false, tooltip: {},
    series: [{ type: "funnel", sort: "none", left: "5%", width: "90%", minSize: "30%", label: { position: "inside", formatter: "{b} {c}", color: "#000" },
      data: data.funnel.map(function (s) { return { name: s.label, value: s.value }; }) }]
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.querySelectorAll(".heat-cell").forEach(function (td) {
    var v = parseFloat(td.getAttribute("data-v"));
    if (!isNaN(v)) { td.style.background = "hsl(" + Math.round(v * 1.2) + ", 70%, 88%)"; }
  });
})();
