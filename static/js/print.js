/* Print buttons: <button type="button" data-print> opens the browser's print dialog (where
   "Save as PDF" is one of the printers). A script file, not an onclick attribute, which the
   Content-Security-Policy refuses. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
