// Draws the program dashboard's charts from the JSON the page holds (#dashboard-data);
// every chart's numbers are also in a table on the page.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.Chart) { return; }
  var data = JSON.parse(source.textContent);
  var colours = ["#adb5bd", "#f0ad4e", "#5bc0de", "#198754", "#0d6efd"];
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
    new window.Chart(levels, {
      type: "bar",
      data: {
        labels: data.levels.labels,
        datasets: data.levels.series.map(function (series, index) {
          return { label: series.label, data: series.data, backgroundColor: colours[index] };
        })
      },
      options: Object.assign({ indexAxis: "y", scales: { x: { stacked: true }, y: { stacked: true } } }, common)
    });
  }

  var survival = document.getElementById("chart-survival");
  if (survival) {
    var longest = data.survival.target;
    data.survival.curves.forEach(function (curve) {
      curve.points.forEach(function (point) { longest = Math.max(longest, point[0]); });
    });
    var datasets = data.survival.curves.map(function (curve, index) {
      return {
        label: curve.label,
        data: curve.points.map(function (point) { return { x: point[0], y: point[1] }; }),
        stepped: true,
        borderColor: colours[(index + 2) % colours.length],
        pointRadius: 0
      };
    });
    datasets.push({
      label: data.survival.targetLabel,
      data: [{ x: data.survival.target, y: 0 }, { x: data.survival.target, y: 1 }],
      borderColor: "#dc3545",
      borderDash: [6, 4],
      pointRadius: 0
    });
    new window.Chart(survival, {
      type: "line",
      data: { datasets: datasets },
      options: Object.assign({
        scales: { x: { type: "linear", min: 0, max: longest }, y: { min: 0, max: 1 } }
      }, common)
    });
  }

  data.kpis.forEach(function (kpi) {
    var canvas = document.getElementById("chart-kpi-" + kpi.id);
    if (canvas) { window.werkplek.drawKpiTrend(canvas, kpi, [markerPlugin]); }
  });
})();
