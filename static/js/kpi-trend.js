// A KPI's values per period against its baseline and target lines, for the program dashboard
// (dashboard.js calls werkplek.drawKpiTrend) and the KPI's own page (a canvas naming its JSON
// in data-kpi-trend). Each page holds the same numbers in a table.
(function () {
  "use strict";
  if (!window.Chart) { return; }

  function drawKpiTrend(canvas, kpi, plugins) {
    var flat = function (value, label, colour) {
      return {
        label: label,
        data: kpi.labels.map(function () { return value; }),
        borderColor: colour,
        borderDash: [6, 4],
        pointRadius: 0
      };
    };
    var sets = [{ label: kpi.valueLabel, data: kpi.values, borderColor: "#0d6efd", spanGaps: false }];
    if (kpi.baseline !== null) { sets.push(flat(kpi.baseline, kpi.baselineLabel, "#6c757d")); }
    if (kpi.target !== null) { sets.push(flat(kpi.target, kpi.targetLabel, "#198754")); }
    // Never a value without its n: the tooltip of a value names how many it was taken over.
    var afterLabel = function (item) {
      return item.datasetIndex === 0 && kpi.n ? "n = " + kpi.n[item.dataIndex] : "";
    };
    return new window.Chart(canvas, {
      type: "line",
      data: { labels: kpi.labels, datasets: sets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { tooltip: { callbacks: { afterLabel: afterLabel } } }
      },
      plugins: plugins || []
    });
  }

  window.werkplek = window.werkplek || {};
  window.werkplek.drawKpiTrend = drawKpiTrend;

  document.querySelectorAll("canvas[data-kpi-trend]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-kpi-trend"));
    if (source) { drawKpiTrend(canvas, JSON.parse(source.textContent)); }
  });
})();
