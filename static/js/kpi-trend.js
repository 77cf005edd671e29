// A KPI's values per period against its baseline and target lines, for the program dashboard
// (dashboard.js calls werkplek.drawKpiTrend) and the KPI's own page (a canvas naming its JSON
// in data-kpi-trend). Each page holds the same numbers in a table.
(function () {
  "use strict";
  if (!window.Chart) { return; }

  // Long names break over lines rather than being cut off on a phone's narrow axis.
  function wrapLabel(text) {
    var longest = window.innerWidth < 576 ? 18 : 40;
    var lines = [""];
    String(text).split(" ").forEach(function (word) {
      var last = lines.length - 1;
      if (lines[last] && (lines[last] + " " + word).length > longest) { lines.push(word); }
      else { lines[last] = lines[last] ? lines[last] + " " + word : word; }
    });
    return lines;
  }

  // The program dashboard's periods are ISO dates (its markers need them); they read as the
  // page's language writes dates ("6 okt 2026"), like the table below each chart.
  var ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
  // A phone's axis gets day and month only, level, so fewer labels fit but each is whole.
  var narrow = window.innerWidth < 576;
  var dayFormat = function (withYear) {
    var parts = { day: "numeric", month: "short", timeZone: "UTC" };
    if (withYear) { parts.year = "numeric"; }
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined, parts);
  };
  var fullDay = dayFormat(true), tickDay = dayFormat(!narrow);
  var readable = function (label, format) {
    return ISO_DAY.test(label) ? (format || fullDay).format(new Date(label + "T00:00:00Z")) : label;
  };

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
        scales: {
          x: {
            ticks: {
              callback: function (value) { return readable(this.getLabelForValue(value), tickDay); },
              autoSkipPadding: 8,
              maxRotation: narrow ? 0 : 50
            }
          }
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? readable(items[0].label) : ""; },
              afterLabel: afterLabel
            }
          }
        }
      },
      plugins: plugins || []
    });
  }

  window.werkplek = window.werkplek || {};
  window.werkplek.drawKpiTrend = drawKpiTrend;
  window.werkplek.wrapLabel = wrapLabel;

  document.querySelectorAll("canvas[data-kpi-trend]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-kpi-trend"));
    if (source) { drawKpiTrend(canvas, JSON.parse(source.textContent)); }
  });
})();
