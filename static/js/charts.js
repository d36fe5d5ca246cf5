/* Every chart of the site: each <canvas data-chart="ID"> draws the JSON that Django's json_script
   wrote in <script id="ID" type="application/json">, from the same figures as the table beside it.
   The table, not the chart, is what screen readers are pointed to; a suppressed figure is null and
   leaves a gap. Two shapes of data:
   - a count chart (reports): {"labels", "values", "label", "type": "bar"|"line", "horizontal"};
   - a score chart (surveys): {"type", "labels", "datasets": [{"label", "data"}]}, on a 1–5 axis;
   - an interval chart (evaluation): {"kind": "interval", "labels", "values", "lows", "highs",
     "axis", "comparison"}: a dot per figure on a bar from its low to its high, rows across. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") {
    return; // the tables carry every number; the charts are an extra
  }
  // NHS identity colours, each distinct in greyscale too.
  var COUNT_COLOURS = ["#005eb8", "#007f3b", "#ae2573", "#ed8b00", "#330072", "#00a499"];
  var SCORE_COLOURS = ["#005eb8", "#330072", "#ed8b00", "#007f3b", "#ae2573"];

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

  // A count chart: one series, a colour per bar, counts from zero, no legend.
  function countChart(spec) {
    var isLine = spec.type === "line";
    return {
      type: spec.type || "bar",
      data: {
        labels: spec.labels,
        datasets: [{
          label: spec.label || "",
          data: spec.values,
          backgroundColor: isLine ? COUNT_COLOURS[0]
            : spec.labels.map(function (_, i) { return COUNT_COLOURS[i % COUNT_COLOURS.length]; }),
          borderColor: COUNT_COLOURS[0]
        }]
      },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        plugins: { legend: { display: false } },
        scales: { x: { ticks: { precision: 0 } }, y: { ticks: { precision: 0 }, beginAtZero: true } }
      }
    };
  }

  // A score chart: a colour per series, wrapped labels, the 1–5 score axis, a legend for several.
  function scoreChart(spec) {
    var isLine = spec.type === "line";
    var datasets = spec.datasets.map(function (dataset, index) {
      var colour = SCORE_COLOURS[index % SCORE_COLOURS.length];
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: isLine ? 2 : 0,
        pointRadius: isLine ? 4 : undefined,
        spanGaps: false
      };
    });
    return {
      type: spec.type,
      data: {
        labels: spec.labels.map(function (label) { return wrap(label, 18); }),
        datasets: datasets
      },
      options: {
        scales: {
          y: { min: 1, max: 5, ticks: { stepSize: 1 }, title: { display: true, text: "Score (1–5)" } },
          x: { ticks: { autoSkip: false, maxRotation: 0 } }
        },
        plugins: { legend: { display: datasets.length > 1, position: "bottom" } }
      }
    };
  }

  // An interval chart: each row's 95% interval as a floating bar, its figure as a dot, and (for
  // outcomes) the non-participants' figure as a diamond.
  function intervalChart(spec) {
    var datasets = [
      {
        type: "bar",
        label: "95% interval",
        data: spec.lows.map(function (low, i) {
          return low === null || spec.highs[i] === null ? null : [low, spec.highs[i]];
        }),
        backgroundColor: "rgba(0, 94, 184, 0.25)",
        borderColor: "#005eb8",
        borderWidth: 1,
        barPercentage: 0.5
      },
      {
        type: "line",
        label: "Figure",
        data: spec.values,
        showLine: false,
        pointRadius: 5,
        pointBackgroundColor: "#003087",
        borderColor: "#003087"
      }
    ];
    if (spec.comparison) {
      datasets.push({
        type: "line",
        label: "Non-participants, same trusts",
        data: spec.comparison,
        showLine: false,
        pointStyle: "rectRot",
        pointRadius: 6,
        pointBackgroundColor: "#ed8b00",
        borderColor: "#ed8b00"
      });
    }
    return {
      type: "bar",
      data: { labels: spec.labels.map(function (label) { return wrap(label, 28); }), datasets: datasets },
      options: {
        indexAxis: "y",
        scales: {
          x: {
            title: { display: true, text: spec.axis },
            min: spec.min === null ? undefined : spec.min,
            max: spec.max === null ? undefined : spec.max
          },
          y: { ticks: { autoSkip: false, font: { size: 11 } } }
        },
        plugins: { legend: { display: true, position: "bottom", labels: { usePointStyle: true } } }
      }
    };
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    if (spec.kind === "interval") {
      // A row per group of schemes, each tall enough for a two-line label (CSSOM, which the
      // Content-Security-Policy allows, unlike a style attribute in the page).
      canvas.parentNode.style.height = (3 + 2.2 * spec.labels.length) + "rem";
    }
    var config = spec.kind === "interval" ? intervalChart(spec)
      : spec.datasets ? scoreChart(spec) : countChart(spec);
    config.options.responsive = true;
    config.options.maintainAspectRatio = false;
    config.options.animation = false;
    new Chart(canvas, config);
  });
})();
