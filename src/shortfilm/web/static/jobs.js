// Jobs a page started (a render of the edit): their state, progress and worker, kept current
// without reloading. Every 2 s while a job is queued or running (every 10 s otherwise) the page
// asks /api/productions/<slug>/jobs and redraws the list; when a job it saw running ends, the
// page reloads once, so the new render shows. Text is set with textContent only.
(function () {
  "use strict";
  var box = document.querySelector("[data-jobs]");
  if (!box) return;
  var table = box.querySelector(".job-list");
  var body = table.querySelector("tbody");
  var none = box.querySelector(".no-jobs");
  var running = {};

  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
  }

  function progress(job) {
    var p = job.progress || {};
    if (job.state === "failed") return job.error || "failed";
    if (job.state === "done") return "";
    if (!p.total) return job.state === "done" ? "" : "waiting for a worker";
    return p.stage + " " + Math.round((100 * p.done) / p.total) + "%";
  }

  function draw(jobs) {
    body.textContent = "";
    var active = false;
    var ended = false;
    jobs.forEach(function (job) {
      var row = document.createElement("tr");
      row.dataset.job = job.id;
      row.dataset.state = job.state;
      var what = job.kind + (job.args && job.args.draft ? " (draft)" : job.kind === "render" ? " (finals)" : "");
      cell(row, what + " · " + job.id.slice(0, 8));
      cell(row, job.state, "badge " + job.state);
      cell(row, progress(job) + (job.worker && job.state === "running" ? " · " + job.worker : ""));
      cell(row, job.requested_by || "");
      body.appendChild(row);
      var live = job.state === "queued" || job.state === "running";
      if (live) active = true;
      if (running[job.id] && !live) ended = true;
      running[job.id] = live;
    });
    table.hidden = jobs.length === 0;
    none.hidden = jobs.length > 0;
    return { active: active, ended: ended };
  }

  function poll() {
    fetch(box.dataset.jobs, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (jobs) {
        var seen = draw(jobs);
        if (seen.ended) { window.location.reload(); return; }
        setTimeout(poll, seen.active ? 2000 : 10000);
      })
      .catch(function () { setTimeout(poll, 10000); });
  }
  poll();
})();
