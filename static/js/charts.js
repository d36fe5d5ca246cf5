/* Bar charts drawn from data embedded with Django's json_script.
   Markup: <canvas data-chart="ID" aria-describedby="TABLE_ID"> and <script id="ID" type="application/json">
   holding {"labels": [...], "values": [...], "label": "...", "type": "bar" or "line"}. The same numbers are always in a table. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var palette = ["#005eb8", "#007f3b", "#ae2573", "#ed8b00", "#330072", "#00a499"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: data.type || "bar",
      data: {
        labels: data.labels,
        datasets: [{
          label: data.label || "",
          data: data.values,
          backgroundColor: data.type === "line" ? palette[0]
            : data.labels.map(function (_, i) { return palette[i % palette.length]; }),
          borderColor: palette[0]
        }]
      },
      options: {
        indexAxis: data.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { x: { ticks: { precision: 0 } }, y: { ticks: { precision: 0 }, beginAtZero: true } }
      }
    });
  });
})();
