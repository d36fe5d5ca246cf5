/* Survey result charts. Each <canvas data-chart="ID"> draws the JSON in <script id="ID">,
 * written by the server from the same figures as the table next to it. A suppressed figure is
 * null and leaves a gap. The table, not the chart, is what screen readers are pointed to. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") {
    return; // the tables carry every number; the charts are an extra
  }
  // NHS identity colours: blue, purple, orange, green, pink. Each is distinct in greyscale too.
  var COLOURS = ["#005eb8", "#330072", "#ed8b00", "#007f3b", "#ae2573"];

  // Long labels (question wording) break over lines instead of overlapping.
  function wrap(label, width) {
    var lines = [];
    var line = "";
    String(label).split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    lines.push(line);
    return lines;
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var isLine = spec.type === "line";
    var datasets = spec.datasets.map(function (dataset, index) {
      var colour = COLOURS[index % COLOURS.length];
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: isLine ? 2 : 0,
        pointRadius: isLine ? 4 : undefined,
        spanGaps: false,
      };
    });
    new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels.map(function (label) { return wrap(label, 18); }),
        datasets: datasets,
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          y: { min: 1, max: 5, ticks: { stepSize: 1 }, title: { display: true, text: "Score (1–5)" } },
          x: { ticks: { autoSkip: false, maxRotation: 0 } },
        },
        plugins: { legend: { display: datasets.length > 1, position: "bottom" } },
      },
    });
  });
})();
