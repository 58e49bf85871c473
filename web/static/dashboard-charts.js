// The battle map's charts (挂图作战), drawn by ECharts (vendor/echarts, from npm, served by this server) from
// /dashboard/charts.json — the page's own scope and date. Loaded on the battle map only. On the large screen
// (body.screen) the charts are dark and the page reloads itself every minute.
(function () {
  "use strict";
  var box = document.getElementById("charts");
  if (!box || !window.echarts) return;
  var screen = document.body.classList.contains("screen");
  var theme = screen ? "dark" : null;
  var text = screen ? "#e6edf7" : "#222";
  var grid = { left: 16, right: 24, top: screen ? 84 : 72, bottom: 16, containLabel: true };

  function chart(id) {
    var el = document.getElementById(id);
    return el ? window.echarts.init(el, theme, { renderer: "svg" }) : null;
  }
  function pct(v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; }

  fetch(box.dataset.src, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
    var L = d.labels;
    // no animation: the large screen redraws every minute, and a printed or captured page shows the final bars
    var base = { backgroundColor: "transparent", animation: false, textStyle: { fontSize: screen ? 16 : 12 } };
    var stages = chart("chart-stages");
    if (stages) stages.setOption(Object.assign({}, base, {
      title: { text: L.stages, left: "center", textStyle: { color: text, fontSize: screen ? 20 : 15 } },
      tooltip: { trigger: "axis" },
      grid: grid,
      xAxis: { type: "category", data: d.stages.map(function (s) { return s.label; }), axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", name: L.cases, data: d.stages.map(function (s) { return s.count; }),
                 label: { show: true, position: "top" }, itemStyle: { color: "#3b7dd8" } }]
    }));
    var trend = chart("chart-trend");
    if (trend) trend.setOption(Object.assign({}, base, {
      title: { text: L.trend, left: "center", textStyle: { color: text, fontSize: screen ? 20 : 15 } },
      tooltip: { trigger: "axis" },
      legend: { top: screen ? 44 : 32, left: "center", data: [L.open, L.overdue] },
      grid: grid,
      xAxis: { type: "category", data: d.trend.map(function (p) { return p.date.slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "line", name: L.open, data: d.trend.map(function (p) { return p.open; }), itemStyle: { color: "#3b7dd8" } },
               { type: "line", name: L.overdue, data: d.trend.map(function (p) { return p.overdue; }),
                 itemStyle: { color: "#d64545" }, areaStyle: { opacity: 0.15 } }]
    }));
    var units = chart("chart-units");
    if (units) units.setOption(Object.assign({}, base, {
      title: { text: L.units, left: "center", textStyle: { color: text, fontSize: screen ? 20 : 15 } },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
      legend: { top: screen ? 44 : 32, left: "center", data: [L.on_time_rate, L.close_out_rate] },
      grid: grid,
      xAxis: { type: "category", data: d.units.map(function (u) { return u.name; }), axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{ type: "bar", name: L.on_time_rate, data: d.units.map(function (u) { return pct(u.on_time_rate); }), itemStyle: { color: "#2e9e5b" } },
               { type: "bar", name: L.close_out_rate, data: d.units.map(function (u) { return pct(u.close_out_rate); }), itemStyle: { color: "#e0a400" } }]
    }));
    var all = [stages, trend, units].filter(Boolean);
    window.addEventListener("resize", function () { all.forEach(function (c) { c.resize(); }); });
    box.setAttribute("data-drawn", "true");
  });

  if (screen) {
    var seconds = parseInt(box.dataset.refresh || "60", 10);
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
})();
