// Draws the program dashboard's charts from the JSON the page holds (#dashboard-data);
// every chart's numbers are also in a table on the page.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.Chart) { return; }
  var data = JSON.parse(source.textContent);
  // The levels run light to dark in one hue, so their order reads without telling hues apart
  // (colour-blind safe); level 3, independent, is the site's green.
  var levelColours = ["#e9ecef", "#b7e4c7", "#52b788", "#146c43", "#081c15"];
  // The survival curves differ in width and dash pattern as well as colour (Okabe–Ito); all
  // groups together is a broad band drawn behind (order 1), so a group on the same steps shows.
  var curveStyles = [
    { borderColor: "#56b4e9", borderWidth: 7, borderDash: [], order: 1 },
    { borderColor: "#000000", borderWidth: 2, borderDash: [] },
    { borderColor: "#0072b2", borderWidth: 2, borderDash: [6, 3] }
  ];
  var lang = document.documentElement.lang || undefined;
  var percent = new Intl.NumberFormat(lang, { style: "percent" });
  var axisTitle = function (canvas, name) {
    var text = canvas.getAttribute("data-" + name + "-title");
    return text ? { display: true, text: text } : { display: false };
  };
  var common = { responsive: true, maintainAspectRatio: false, animation: false };

  // Dated program changes as dashed vertical lines on a KPI's axis of periods (ISO dates),
  // each at its day between the periods around it and numbered as in the page's list of
  // program changes (that list is the accessible equivalent). None outside the axis.
  var DAY = 24 * 60 * 60 * 1000;
  var daysBetween = function (from, to) { return (Date.parse(to) - Date.parse(from)) / DAY; };
  var markerPlugin = {
    id: "programChanges",
    afterDatasetsDraw: function (chart) {
      var labels = chart.data.labels || [];
      if (!labels.length) { return; }
      var x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
      var lastNumberAt = null, row = 0;
      (data.markers || []).forEach(function (marker, number) {
        if (marker.day < labels[0] || marker.day > labels[labels.length - 1]) { return; }
        var index = labels.length - 1;
        while (labels[index] > marker.day) { index -= 1; }
        var position = x.getPixelForValue(index);
        if (index < labels.length - 1) {
          var share = daysBetween(labels[index], marker.day) / daysBetween(labels[index], labels[index + 1]);
          position += share * (x.getPixelForValue(index + 1) - position);
        }
        // Numbers of changes close together go on alternate rows, so each stays legible.
        row = lastNumberAt !== null && position - lastNumberAt < 16 ? 1 - row : 0;
        lastNumberAt = position;
        ctx.save();
        ctx.strokeStyle = "#6c757d";
        ctx.setLineDash([4, 4]);
        ctx.beginPath();
        ctx.moveTo(position, area.top);
        ctx.lineTo(position, area.bottom);
        ctx.stroke();
        var text = String(number + 1), top = area.top + 2 + row * 13;
        ctx.font = "bold 11px system-ui, sans-serif";
        var width = ctx.measureText(text).width + 4;
        ctx.fillStyle = "#ffffff";
        ctx.fillRect(position - width / 2, top - 1, width, 13);
        ctx.fillStyle = "#495057";
        ctx.textAlign = "center";
        ctx.textBaseline = "top";
        ctx.fillText(text, position, top);
        ctx.restore();
      });
    }
  };

  var levels = document.getElementById("chart-levels");
  if (levels) {
    // A bar per goal: the chart grows with the goals (and their wrapped names) instead of
    // squeezing them.
    var goalLabels = data.levels.labels.map(window.werkplek.wrapLabel);
    var lines = goalLabels.reduce(function (sum, label) { return sum + Math.max(label.length, 2); }, 0);
    levels.parentNode.style.height = Math.max(256, 20 * lines + 110) + "px";
    new window.Chart(levels, {
      type: "bar",
      data: {
        labels: goalLabels,
        datasets: data.levels.series.map(function (series, index) {
          return {
            label: series.label,
            data: series.data,
            backgroundColor: levelColours[index],
            borderColor: "#6c757d",
            borderWidth: 1
          };
        })
      },
      options: Object.assign({
        indexAxis: "y",
        scales: {
          x: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: axisTitle(levels, "x") },
          // Every goal keeps its name; Chart.js would otherwise skip some on a phone.
          y: { stacked: true, ticks: { autoSkip: false } }
        }
      }, common)
    });
  }

  var survival = document.getElementById("chart-survival");
  if (survival) {
    var longest = data.survival.target;
    data.survival.curves.forEach(function (curve) {
      curve.points.forEach(function (point) { longest = Math.max(longest, point[0]); });
    });
    var datasets = data.survival.curves.map(function (curve, index) {
      return Object.assign({
        label: curve.label,
        data: curve.points.map(function (point) { return { x: point[0], y: point[1] }; }),
        stepped: true,
        pointRadius: 0
      }, curveStyles[index % curveStyles.length]);
    });
    datasets.push({
      label: data.survival.targetLabel,
      data: [{ x: data.survival.target, y: 0 }, { x: data.survival.target, y: 1 }],
      borderColor: "#d55e00",
      borderWidth: 2,
      borderDash: [8, 4],
      pointRadius: 0
    });
    new window.Chart(survival, {
      type: "line",
      data: { datasets: datasets },
      options: Object.assign({
        scales: {
          x: { type: "linear", min: 0, max: longest, title: axisTitle(survival, "x") },
          y: {
            min: 0,
            max: 1,
            title: axisTitle(survival, "y"),
            ticks: { callback: function (value) { return percent.format(value); } }
          }
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (item) { return item.dataset.label + ": " + percent.format(item.parsed.y); }
            }
          }
        }
      }, common)
    });
  }

  data.kpis.forEach(function (kpi) {
    var canvas = document.getElementById("chart-kpi-" + kpi.id);
    if (canvas) { window.werkplek.drawKpiTrend(canvas, kpi, [markerPlugin]); }
  });
})();
