// Polls the nightly pipeline's progress while a run is going and updates the bar.
(function () {
  "use strict";
  var section = document.getElementById("pipeline");
  if (!section || section.dataset.running !== "true") return;
  var bar = document.getElementById("pipeline-progress");
  var status = document.getElementById("pipeline-status");
  function poll() {
    fetch(section.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (progress) {
        if (!progress) return;
        if (bar) { bar.value = progress.percent; bar.textContent = progress.percent + "%"; }
        if (status) {
          status.textContent = progress.percent + "% — " + progress.customers_done + " / " + progress.customers_total;
        }
        if (progress.is_running) { window.setTimeout(poll, 3000); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 3000);
})();
