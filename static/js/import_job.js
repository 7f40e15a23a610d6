// The list import job's page (templates/responsibilities/editor/import_job.html): while the job runs,
// poll its JSON status and move the progress bar; reload the page when new row errors arrive or the
// job finishes, so the server renders the table and the choice. Without script, <noscript> refreshes.
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  if (!box || box.getAttribute("data-running") !== "true") return;
  var url = box.getAttribute("data-status-url");
  var errors = parseInt(box.getAttribute("data-errors") || "0", 10);
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-progress-text");
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) return;
        if (!job.running || job.error_rows.length !== errors) { window.location.reload(); return; }
        if (bar && job.rows_total) { bar.max = 100; bar.value = job.percent; }
        if (text && job.progress_text) text.textContent = job.progress_text;
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1500);
})();
