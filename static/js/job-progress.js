// Poll a password reset job's progress and reload the page when it is done, for the result.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  // The same sentence as the page's, with {done} and {total} to fill in each time.
  var template = text.dataset.template;

  function update(data) {
    bar.max = data.total;
    bar.value = data.processed;
    text.textContent = template.replace("{done}", String(data.processed))
      .replace("{total}", String(data.total));
    if (data.status === "done") { window.location.reload(); return; }
    window.setTimeout(poll, 1000);
  }

  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { update(data); } else { window.setTimeout(poll, 5000); } })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  window.setTimeout(poll, 1000);
}());
