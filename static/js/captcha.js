// "Show a new picture" without leaving the page: what was typed in the other fields stays.
// Without this script the link reloads the page, which also gives a new picture.
(function () {
  "use strict";
  var box = document.querySelector(".captcha[data-refresh-url]");
  if (!box || !window.fetch) { return; }
  var link = box.querySelector(".captcha__refresh");
  var field = box.parentElement;
  var key = field.querySelector("input[type=hidden][name$=_0]");
  var answer = field.querySelector("input[type=text][name$=_1]");
  var image = box.querySelector(".captcha__image");
  var audio = box.querySelector(".captcha__audio");
  var status = box.querySelector("[data-captcha-status]");

  link.addEventListener("click", function (event) {
    event.preventDefault();
    fetch(box.dataset.refreshUrl, {
      credentials: "same-origin", headers: { "X-Requested-With": "XMLHttpRequest" },
    }).then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
      .then(function (fresh) {
        key.value = fresh.key;
        image.src = fresh.image_url;
        image.srcset = fresh.image_url + " 1x, " + fresh.image_url.replace(/\/$/, "@2/") + " 2x";
        if (audio) {
          audio.pause();
          audio.src = fresh.image_url.replace("/image/", "/audio/").replace(/\/$/, ".wav");
        }
        answer.value = "";
        answer.focus();
        status.textContent = "";
        status.textContent = status.dataset.message;
      })
      .catch(function () { window.location.reload(); });
  });
}());
