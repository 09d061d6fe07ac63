// "More takes" on a clip page, without leaving it: the form is sent as JSON to the API, a lint
// refusal of a revised plan is listed under the form with each finding (the text stays as typed),
// and a queued job is handed to jobs.js, which follows it. Without this script the form posts
// to its page route and the answer is a page. Text is set with textContent only.
(function () {
  "use strict";
  var form = document.querySelector("form[data-more-takes]");
  if (!form) return;
  var box = form.closest("[data-jobs]");
  var findings = form.querySelector(".findings");
  var button = form.querySelector("button[type=submit]");
  var plan = form.elements.plan;

  function show(message, items) {
    findings.textContent = "";
    var p = document.createElement("p");
    p.className = "error";
    p.textContent = message;
    findings.appendChild(p);
    if (items && items.length) {
      var list = document.createElement("ul");
      items.forEach(function (f) {
        var li = document.createElement("li");
        li.dataset.code = f.code;
        li.textContent = f.code + " " + f.place + ": " + f.message + (f.hint ? " (" + f.hint + ")" : "");
        list.appendChild(li);
      });
      findings.appendChild(list);
    }
    findings.hidden = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = {
      count: parseInt(form.elements.count.value, 10),
      provider: form.elements.provider.value,
      strategy: form.elements.strategy.value,
      plan_was: form.elements.plan_was.value,
    };
    if (plan && plan.value !== plan.defaultValue) body.plan = plan.value;
    button.disabled = true;
    findings.hidden = true;
    fetch(form.dataset.moreTakes, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRF-Token": form.elements.csrf_token.value,
      },
      body: JSON.stringify(body),
    })
      .then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok, data: data }; });
      })
      .then(function (answer) {
        button.disabled = false;
        if (!answer.ok) {
          var detail = answer.data.detail;
          if (Array.isArray(detail)) {
            detail = detail.map(function (d) { return d.loc.join(".") + ": " + d.msg; }).join("; ");
          }
          show(detail || "refused", answer.data.findings);
          return;
        }
        if (plan && body.plan !== undefined) plan.defaultValue = plan.value; // saved
        form.elements.plan_was.value = answer.data.plan_was;
        box.dispatchEvent(new CustomEvent("jobs:queued", { detail: answer.data.job }));
      })
      .catch(function (err) {
        button.disabled = false;
        show("not sent: " + err);
      });
  });
})();
