// aftercare: the few lines of script the pages use. Everything works without it, except
// that polled lists then need a reload.
(function () {
  "use strict";

  // Replace an element's content with a fragment from the server every few seconds.
  function poll(el) {
    var url = el.getAttribute("data-poll");
    var seconds = parseFloat(el.getAttribute("data-poll-seconds") || "5");
    var last = el.innerHTML;
    function tick() {
      if (document.hidden) { return; }
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (response.redirected || !response.ok) {
            if (response.redirected) { window.location.reload(); }
            return null;
          }
          return response.text();
        })
        .then(function (html) {
          if (html === null || html === last) { return; }
          var nearEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
          last = html;
          el.innerHTML = html;
          if (el.hasAttribute("data-scroll-end") && nearEnd) { el.scrollTop = el.scrollHeight; }
        })
        .catch(function () { /* offline for a moment: try again next tick */ });
    }
    window.setInterval(tick, seconds * 1000);
  }

  // Ask before a form that cannot be undone; refuse a second submit of the same form.
  function guard(form) {
    form.addEventListener("submit", function (event) {
      var question = form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) { event.preventDefault(); return; }
      if (form.getAttribute("data-submitted") === "yes") { event.preventDefault(); return; }
      form.setAttribute("data-submitted", "yes");
      window.setTimeout(function () { form.removeAttribute("data-submitted"); }, 5000);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-poll]"), poll);
    Array.prototype.forEach.call(document.querySelectorAll("form[method=post]"), guard);
    Array.prototype.forEach.call(document.querySelectorAll("[data-scroll-end]"), function (el) {
      el.scrollTop = el.scrollHeight;
    });
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });
})();
