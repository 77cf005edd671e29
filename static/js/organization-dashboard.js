// Draws the organisation dashboard's chart of programs (the KPI trends are dashboard.js's):
// each program's median days to independence next to its target, from the page's JSON
// (#dashboard-data); the programs table holds the same numbers.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  var canvas = document.getElementById("chart-programs");
  if (!source || !canvas || !window.Chart) { return; }
  var programs = JSON.parse(source.textContent).programs;
  // A bar pair per program: the chart grows with the page's programs instead of squeezing them.
  canvas.parentNode.style.height = Math.max(256, 48 * programs.labels.length + 72) + "px";
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: programs.labels.map(window.werkplek.wrapLabel),
      datasets: [
        { label: programs.medianLabel, data: programs.median, backgroundColor: "#0d6efd" },
        { label: programs.targetLabel, data: programs.target, backgroundColor: "#adb5bd" }
      ]
    },
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { x: { beginAtZero: true } }
    }
  });
})();
