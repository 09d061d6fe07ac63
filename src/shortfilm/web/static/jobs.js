// Jobs a page started (a render of the edit, more takes of a clip): their state, progress and
// worker, kept current without reloading. Every 2 s while a job is queued or running (every
// 10 s otherwise) the page asks its [data-jobs] URL and redraws the list; when a job it saw
// running ends, the page reloads once, so the new render or takes show -- unless the person has
// typed into a field of the page: then it says the results are ready and keeps their text. A
// page that says when it read its data (data-read-at) also reloads for a job that ended after
// that, even one it never saw running (a quick job done before the page first asked).
// Text is set with textContent only.
(function () {
  "use strict";
  var box = document.querySelector("[data-jobs]");
  if (!box) return;
  var table = box.querySelector(".job-list");
  var body = table.querySelector("tbody");
  var none = box.querySelector(".no-jobs");
  var ready = box.querySelector(".jobs-ready");
  var running = {};
  var readAt = box.dataset.readAt ? Date.parse(box.dataset.readAt) : NaN;
  var timer = null;

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
    if (!p.total) return job.state === "queued" ? "waiting for a worker" : "starting";
    return p.stage + " " + Math.round((100 * p.done) / p.total) + "%";
  }

  function what(job) {
    var args = job.args || {};
    if (job.kind === "render") return "render" + (args.draft ? " (draft)" : " (finals)");
    if (job.kind === "takes") {
      var seeds = (args.seeds || []).join(", ");
      return "takes ×" + (args.seeds || []).length + " (seed " + seeds + ", " + args.provider + ")";
    }
    if (job.kind === "variant-render") return "film of variant " + (args.variant || "");
    return job.kind;
  }

  function typedInto() {
    var fields = document.querySelectorAll("textarea, input[type=text], input:not([type])");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value !== fields[i].defaultValue) return true;
    }
    return false;
  }

  function draw(jobs) {
    body.textContent = "";
    var active = false;
    var ended = false;
    jobs.forEach(function (job) {
      var row = document.createElement("tr");
      row.dataset.job = job.id;
      row.dataset.state = job.state;
      cell(row, what(job) + " · " + job.id.slice(0, 8));
      cell(row, job.state, "badge " + job.state);
      cell(row, progress(job) + (job.worker && job.state === "running" ? " · " + job.worker : ""));
      cell(row, job.requested_by || "");
      body.appendChild(row);
      var live = job.state === "queued" || job.state === "running";
      if (live) active = true;
      if (running[job.id] && !live) ended = true;
      if (!(job.id in running) && !live && job.finished_at && Date.parse(job.finished_at) > readAt) {
        ended = true;
      }
      running[job.id] = live;
    });
    table.hidden = jobs.length === 0;
    none.hidden = jobs.length > 0;
    return { active: active, ended: ended };
  }

  function poll() {
    clearTimeout(timer);
    fetch(box.dataset.jobs, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (jobs) {
        var seen = draw(jobs);
        if (seen.ended) {
          if (!ready || !typedInto()) { window.location.reload(); return; }
          ready.hidden = false;
        }
        timer = setTimeout(poll, seen.active ? 2000 : 10000);
      })
      .catch(function () { timer = setTimeout(poll, 10000); });
  }
  // a job just queued by this page: show it now and follow it (see more_takes.js)
  box.addEventListener("jobs:queued", function (event) {
    if (event.detail && event.detail.id) running[event.detail.id] = true;
    poll();
  });
  poll();
})();
