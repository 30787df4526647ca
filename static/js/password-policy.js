// Live checklist and strength meter for a new-password field. The server checks every rule
// again when the form is sent; this only helps the person choose.
(function () {
  "use strict";
  var box = document.getElementById("password-rules");
  var input = document.querySelector("[data-password-policy=new_password1]");
  if (!box || !input || !window.fetch) { return; }
  var form = input.form;
  var token = form.querySelector("[name=csrfmiddlewaretoken]");
  var words = document.getElementById("password-words").content.firstElementChild.dataset;
  var meter = box.querySelector(".meter");
  var timer = null;

  function show(result) {
    if (!input.value) { return; }
    var met = 0;
    result.rules.forEach(function (rule) {
      var item = box.querySelector("[data-rule='" + rule.rule + "']");
      if (!item) { return; }
      // null: a rule this check could not judge; it stays open until the form is sent.
      var checked = rule.ok !== null;
      item.classList.toggle("is-met", checked && rule.ok);
      item.classList.toggle("is-unmet", checked && !rule.ok);
      item.querySelector(".password-rules__state").textContent = checked
        ? " (" + (rule.ok ? words.met : words.unmet) + ")" : "";
      if (rule.ok) { met += 1; }
    });
    meter.hidden = false;
    meter.querySelector("meter").value = result.score;
    meter.querySelector(".meter__word").textContent = words[String(result.score)];
    box.querySelector("[data-live-summary]").textContent = words.summary
      .replace("{met}", met).replace("{total}", result.rules.length);
  }

  // Nothing typed: nothing checked, so no ticks, no crosses and no meter.
  function reset() {
    box.querySelectorAll("[data-rule]").forEach(function (item) {
      item.classList.remove("is-met", "is-unmet");
      item.querySelector(".password-rules__state").textContent = "";
    });
    box.querySelector("[data-live-summary]").textContent = "";
    meter.hidden = true;
  }

  function check() {
    var body = new URLSearchParams();
    body.append("password", input.value);
    fetch(box.dataset.checkUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": token.value },
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (result) { if (result) { show(result); } })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    if (!input.value) { reset(); return; }
    timer = setTimeout(check, 250);
  });
  // Typed (or filled in by the browser) before this script ran: check it now.
  if (input.value) { check(); }
}());
