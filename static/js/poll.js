/* Ask the server how far a piece of background work has got, and reload the page when it is done.
   Markup: an element with data-poll="URL" (answering JSON {"progress": 0-100, "done": bool,
   optionally "note": what the work is doing now}) and optionally data-poll-interval (milliseconds
   between asks, 1000 by default). A progress bar (role="progressbar" holding a .progress-bar)
   shows the progress; its width is set through the CSSOM, which the Content-Security-Policy
   allows. With data-poll-note="ID", the element with that id shows the note, and the bar's
   aria-valuetext says it too (read when the bar is reached, not announced every second).
   A request that takes longer than data-poll-timeout (10000 ms) is abandoned. After a failure the
   wait doubles, up to 30 seconds; after data-poll-attempts failures in a row (10) polling stops and
   the page says so. The element gets data-poll-state: "polling", "waiting", "done" or "stopped". */
(function () {
  "use strict";
  var MAX_WAIT = 30000;

  function number(value, fallback) {
    var parsed = parseInt(value, 10);
    return isNaN(parsed) ? fallback : parsed;
  }

  function showNote(element, note) {
    var target = document.getElementById(element.dataset.pollNote || "");
    if (!target || typeof note !== "string" || !note) { return; }
    target.textContent = note;
    element.setAttribute("aria-valuetext", element.getAttribute("aria-valuenow") + "%: " + note);
  }

  function show(element, progress) {
    if (typeof progress !== "number") { return; }
    element.setAttribute("aria-valuenow", progress);
    var inner = element.querySelector(".progress-bar");
    if (inner) {
      inner.style.width = progress + "%";
      inner.textContent = progress + "%";
    }
  }

  function fetchWithTimeout(url, timeout) {
    var controller = typeof AbortController === "undefined" ? null : new AbortController();
    var timer = window.setTimeout(function () { if (controller) { controller.abort(); } }, timeout);
    return fetch(url, {
      headers: {"Accept": "application/json"},
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      window.clearTimeout(timer);
      if (!response.ok) { throw new Error("status " + response.status); }
      return response.json();
    }, function (error) {
      window.clearTimeout(timer);
      throw error;
    });
  }

  function start(element) {
    var interval = number(element.dataset.pollInterval, 1000);
    var timeout = number(element.dataset.pollTimeout, 10000);
    var attempts = number(element.dataset.pollAttempts, 10);
    var failures = 0;

    function next(wait) {
      element.dataset.pollState = "waiting";
      element.dataset.pollWait = wait;
      window.setTimeout(ask, wait);
    }

    function ask() {
      element.dataset.pollState = "polling";
      fetchWithTimeout(element.dataset.poll, timeout).then(function (data) {
        failures = 0;
        show(element, data.progress);
        showNote(element, data.note);
        if (data.done) {
          element.dataset.pollState = "done";
          window.location.reload();
        } else {
          next(interval);
        }
      }).catch(function () {
        failures += 1;
        if (failures >= attempts) {
          element.dataset.pollState = "stopped";
          var note = document.getElementById(element.dataset.pollMessage || "");
          if (note) { note.textContent = "This page stopped checking for news: reload it to check again."; }
          return;
        }
        next(Math.min(interval * Math.pow(2, failures), MAX_WAIT));
      });
    }

    window.setTimeout(ask, Math.min(interval, 500));
  }

  document.querySelectorAll("[data-poll]").forEach(start);
})();
