// "Select all" for a group of checkboxes: <input type="checkbox" data-select-all="NAME" hidden>
// ticks or unticks every checkbox marked data-select-all-group="NAME". The control starts
// hidden, so without JavaScript nobody sees a box that does nothing; each box can still be
// ticked by hand. Loaded with <script src> (the Content-Security-Policy allows no inline code).
(function () {
  "use strict";
  document.querySelectorAll("[data-select-all]").forEach(function (control) {
    var name = control.getAttribute("data-select-all");
    var boxes = function () {
      return document.querySelectorAll('input[data-select-all-group="' + name + '"]');
    };
    var wrapper = control.closest("[hidden]") || control;
    wrapper.hidden = false;
    var sync = function () {
      var all = boxes();
      var ticked = Array.prototype.filter.call(all, function (box) { return box.checked; });
      control.checked = all.length > 0 && ticked.length === all.length;
      control.indeterminate = ticked.length > 0 && ticked.length < all.length;
    };
    control.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = control.checked; });
      sync();
    });
    boxes().forEach(function (box) { box.addEventListener("change", sync); });
    sync();
  });
})();
