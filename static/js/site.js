/* Scrolling tables must be reachable by keyboard (WCAG 2.1.1): make each one a focusable,
   labelled region, named after its table's caption. */
(function () {
  "use strict";
  document.querySelectorAll(".table-responsive").forEach(function (box) {
    if (!box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "0"); }
    if (!box.hasAttribute("role")) { box.setAttribute("role", "region"); }
    if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
      var caption = box.querySelector("caption");
      box.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table");
    }
  });
})();
/* Bars drawn to a share: <div class="progress-bar" data-percent="35">. The width is set through
   the CSSOM, which the Content-Security-Policy allows; a style="width: 35%" attribute it refuses.
   Every bar's figure is also written out as text beside or inside it. */
(function () {
  "use strict";
  document.querySelectorAll("[data-percent]").forEach(function (bar) {
    var percent = Math.max(0, Math.min(100, parseFloat(bar.dataset.percent) || 0));
    bar.style.width = percent + "%";
  });
})();
