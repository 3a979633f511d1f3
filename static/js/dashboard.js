// The leadership dashboard (templates/dashboard/index.html): draws each [data-chart] element with ECharts
// from the figures in the page's json_script "dashboard-data". Every element carries the URL of the list
// with the same rows; a click opens it. No inline script (Content-Security-Policy).
(function () {
  "use strict";
  var node = document.getElementById("dashboard-data");
  if (!node || !window.echarts) { return; }
  var figures = JSON.parse(node.textContent);
  var RED = "#dc3545", BLUE = "#0d6efd", GREY = "#adb5bd", ORANGE = "#fd7e14", GREEN = "#198754";

  function nonEmpty(rows) { return rows.filter(function (r) { return r.count > 0; }); }
  function point(value, url, extra) {
    var p = { value: value, url: url || null };
    if (extra) { Object.keys(extra).forEach(function (k) { p[k] = extra[k]; }); }
    return p;
  }
  function money(v) { return v === null || v === undefined ? "—" : Number(v).toFixed(2); }
  function bars(rows, color, horizontal) {
    var labels = rows.map(function (r) { return r.label; });
    var axisCat = { type: "category", data: labels, axisLabel: { interval: 0, width: 110, overflow: "truncate" } };
    var axisVal = { type: "value", minInterval: 1 };
    return {
      points: rows.length,
      option: {
        grid: { left: horizontal ? 120 : 40, right: 24, top: 16, bottom: horizontal ? 24 : 56, containLabel: false },
        tooltip: { trigger: "item", formatter: function (p) {
          return p.name + "：" + p.value + "个" + (p.data.investment !== undefined ? "，总投资" + money(p.data.investment) + "亿元" : "");
        } },
        xAxis: horizontal ? axisVal : Object.assign(axisCat, { axisLabel: { interval: 0, rotate: 30 } }),
        yAxis: horizontal ? Object.assign(axisCat, { inverse: true }) : axisVal,
        series: [{ type: "bar", itemStyle: { color: color }, label: { show: true, position: horizontal ? "right" : "top" },
          data: rows.map(function (r) { return point(r.count, r.url, { investment: r.investment }); }) }]
      }
    };
  }
  function targetVsDone(rows) {
    return {
      points: rows.length,
      option: {
        legend: { top: 0 },
        grid: { left: 40, right: 16, top: 32, bottom: 64 },
        tooltip: { trigger: "item", formatter: function (p) {
          var r = rows[p.dataIndex];
          return r.label + "<br>目标 " + money(r.target) + " 亿元<br>完成 " + money(r.completed) + " 亿元" +
            (r.percent_precise !== null ? "<br>完成率 " + r.percent_precise + "%" : "");
        } },
        xAxis: { type: "category", data: rows.map(function (r) { return r.label; }), axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: "value", name: "亿元" },
        series: [
          { name: "目标", type: "bar", itemStyle: { color: GREY }, data: rows.map(function (r) { return point(r.target, r.url); }) },
          { name: "完成", type: "bar", itemStyle: { color: BLUE },
            label: { show: true, position: "top", formatter: function (p) { var r = rows[p.dataIndex]; return r.percent !== null ? r.percent + "%" : ""; } },
            data: rows.map(function (r) { return point(r.completed, r.url); }) }
        ]
      }
    };
  }

  var builders = {
    stage: function (f) {
      var rows = nonEmpty(f.by_stage);
      return { points: rows.length, option: {
        tooltip: { trigger: "item", formatter: function (p) { return p.name + "：" + p.value + "个，总投资" + money(p.data.investment) + "亿元"; } },
        series: [{ type: "funnel", sort: "none", left: "5%", width: "90%", minSize: "20%", gap: 2,
          label: { show: true, position: "inside", formatter: "{b} {c}" },
          data: rows.map(function (r) { return point(r.count, r.url, { name: r.label, investment: r.investment }); }) }]
      } };
    },
    category: function (f) { return bars(nonEmpty(f.by_category), BLUE, false); },
    subtype: function (f) {
      var rows = [];
      f.by_category.forEach(function (c) { c.sub_types.forEach(function (s) { rows.push(s); }); });
      rows = nonEmpty(rows).sort(function (a, b) { return b.count - a.count; }).slice(0, 12);
      return bars(rows, GREEN, true);
    },
    library: function (f) {
      var rows = nonEmpty(f.library.items);
      return { points: rows.length, option: {
        tooltip: { trigger: "item", formatter: function (p) { return p.name + "：" + p.value + "个（" + p.percent + "%），总投资" + money(p.data.investment) + "亿元"; } },
        legend: { bottom: 0 },
        series: [{ type: "pie", radius: ["35%", "65%"], label: { formatter: "{b}\n{c}个" },
          data: rows.map(function (r) { return point(r.count, r.url, { name: r.label, investment: r.investment }); }) }]
      } };
    },
    cityplan: function (f) {
      var rows = (f.library.reported_to_city ? [f.library.reported_to_city] : []).concat(f.library.city_plan_batches);
      return bars(rows, ORANGE, false);
    },
    investment: function (f) {
      var inv = f.investment;
      return { points: inv.target !== null || inv.completed > 0 ? 2 : 0, option: {
        grid: { left: 48, right: 16, top: 24, bottom: 32 },
        tooltip: { trigger: "item", formatter: function (p) {
          return p.name + "：" + money(p.value) + " 亿元" + (p.dataIndex === 1 && inv.percent_precise !== null ? "<br>完成率 " + inv.percent_precise + "%" : "");
        } },
        xAxis: { type: "category", data: [inv.year + "年目标", "已完成"] },
        yAxis: { type: "value", name: "亿元" },
        series: [{ type: "bar", barWidth: "45%",
          label: { show: true, position: "top", formatter: function (p) {
            return p.dataIndex === 1 && inv.percent !== null ? money(p.value) + "（" + inv.percent + "%）" : money(p.value);
          } },
          data: [point(inv.target, inv.target_url, { itemStyle: { color: GREY } }),
            point(inv.completed, inv.completed_url, { itemStyle: { color: BLUE } })] }]
      } };
    },
    cumulative: function (f) {
      var inv = f.investment;
      var line = { silent: true, symbol: "none", lineStyle: { color: RED, type: "dashed" },
        label: { formatter: "目标 " + money(inv.target) }, data: inv.target !== null ? [{ yAxis: inv.target }] : [] };
      return { points: inv.monthly.filter(function (m) { return m.cumulative !== null; }).length, option: {
        grid: { left: 48, right: 60, top: 24, bottom: 32 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: inv.monthly.map(function (m) { return Number(m.month.slice(5)) + "月"; }) },
        yAxis: { type: "value", name: "亿元", max: function (v) { return Math.max(v.max, inv.target || 0) * 1.1; } },
        series: [{ name: "累计完成", type: "line", smooth: true, itemStyle: { color: BLUE }, markLine: line,
          data: inv.monthly.map(function (m) { return point(m.cumulative, m.cumulative === null ? null : inv.completed_url); }) }]
      } };
    },
    department: function (f) { return targetVsDone(f.investment.by_department); },
    locality: function (f) { return targetVsDone(f.investment.by_locality); },
    overdue: function (f) {
      var rows = f.overdue.by_organization;
      var chart = bars(rows, RED, true);
      chart.option.tooltip.formatter = function (p) {
        var r = rows[p.dataIndex];
        return r.label + "：逾期" + r.count + "项<br>最长逾期" + r.max_workdays_overdue + "个工作日";
      };
      return chart;
    },
    late: function (f) {
      var rows = f.overdue.late_this_year.by_organization;
      var chart = bars(rows, ORANGE, true);
      chart.option.tooltip.formatter = function (p) {
        var r = rows[p.dataIndex];
        return r.label + "：逾期完成" + r.count + "项，合计逾期" + r.total_workdays_late + "个工作日";
      };
      return chart;
    },
    trend: function (f) {
      var t = f.monthly_trend;
      var total = 0;
      t.series.forEach(function (s) { s.counts.forEach(function (c) { total += c; }); });
      return { points: total, option: {
        legend: { top: 0 },
        grid: { left: 40, right: 16, top: 40, bottom: 32 },
        tooltip: { trigger: "item", formatter: function (p) { return p.seriesName + " " + p.name + "：" + p.value + "个"; } },
        xAxis: { type: "category", data: t.months },
        yAxis: { type: "value", minInterval: 1 },
        series: t.series.map(function (s) {
          return { name: s.label, type: "line", symbolSize: 8,
            data: s.counts.map(function (c, i) { return point(c, c ? s.urls[i] : null); }) };
        })
      } };
    },
    districts: function (f) {
      var rows = f.by_district.slice().sort(function (a, b) { return b.count - a.count; });
      var chart = bars(rows.map(function (d) {
        return { label: d.label, count: d.count, investment: d.investment, url: d.dashboard_url };
      }), BLUE, true);
      chart.points = nonEmpty(rows).length;
      return chart;
    },
    map: function (f) {
      if (!echarts.getMap("北京")) { return { points: 0, option: {} }; }
      var max = Math.max.apply(null, f.by_district.map(function (d) { return d.count; }).concat([1]));
      return { points: nonEmpty(f.by_district).length, option: {
        tooltip: { trigger: "item", formatter: function (p) {
          return p.name + "：" + (p.data ? p.data.value + "个项目，逾期" + p.data.overdue + "项" : "无数据");
        } },
        visualMap: { min: 0, max: max, left: 0, bottom: 0, text: ["多", "少"], calculable: false, inRange: { color: ["#e7f1ff", BLUE] } },
        series: [{ type: "map", map: "北京", roam: false, label: { show: true, fontSize: 10 },
          data: f.by_district.map(function (d) { return { name: d.label, value: d.count, overdue: d.overdue, url: d.dashboard_url }; }) }]
      } };
    }
  };

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var build = builders[element.getAttribute("data-chart")];
    if (!build) { return; }
    var built = build(figures);
    element.setAttribute("data-points", String(built.points));
    if (!built.points) {
      element.textContent = "暂无数据";
      element.classList.add("text-muted", "small");
      return;
    }
    element.style.height = (element.getAttribute("data-height") || "300") + "px";
    var chart = echarts.init(element);
    // "finished": drawn and animated (tests and screenshots wait for it).
    chart.on("finished", function () { element.setAttribute("data-finished", "true"); });
    chart.setOption(built.option);
    chart.on("click", function (params) {
      var url = params.data && params.data.url;
      if (url) { window.location.assign(url); }
    });
    charts.push(chart);
    element.setAttribute("data-rendered", "true");
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
