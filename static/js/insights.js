/* Insights: the trend of findings per detector per month. ECharts from static/vendor/echarts (no CDN); the table
   beside the chart holds the same figures. */
(function () {
  "use strict";
  var source = document.getElementById("ins-trends"), el = document.getElementById("chart-ins-trend");
  if (!window.echarts || !source || !el) { return; }
  var data = JSON.parse(source.textContent);
  var colors = ["#c8102e", "#0b57a4", "#7a4b00", "#2e7d32", "#6a1b9a", "#00838f", "#555555"];
  var chart = window.echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false, tooltip: { trigger: "axis" }, color: colors,
    legend: { data: data.detectors.map(function (d) { return d[1]; }), type: "scroll" },
    grid: { left: 36, right: 16, top: 40, bottom: 28 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", minInterval: 1 },
    series: data.detectors.map(function (d, i) {
      return { name: d[1], type: "bar", stack: "all", data: data.rows.map(function (r) { return r.counts[i]; }) };
    })
  });
  el.setAttribute("data-rendered", "1");
  window.addEventListener("resize", function () { chart.resize(); });
})();
