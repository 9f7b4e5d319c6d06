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
          showUrgentCount(el);
        })
        .catch(function () { /* offline for a moment: try again next tick */ });
    }
    window.setInterval(tick, seconds * 1000);
    // A tab left in the background catches up the moment it is looked at again.
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { tick(); }
    });
  }

  // The open urgent count in the tab's title and icon, so it shows from any other tab.
  function showUrgentCount(el) {
    var holder = el.querySelector("[data-urgent]");
    var icon = document.querySelector("link[rel=icon][data-base-title]");
    if (!holder || !icon) { return; }
    var n = parseInt(holder.getAttribute("data-urgent") || "0", 10);
    var base = icon.getAttribute("data-base-title");
    document.title = (n > 0 ? "(" + n + ") " : "") + base;
    if (n > 0) {
      var svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
        '<circle cx="16" cy="16" r="15" fill="#b00020"/><text x="16" y="22" font-size="18" ' +
        'font-family="sans-serif" font-weight="bold" text-anchor="middle" fill="#fff">' +
        (n < 100 ? n : "99+") + "</text></svg>";
      icon.setAttribute("href", "data:image/svg+xml," + encodeURIComponent(svg));
    } else {
      icon.setAttribute("href", "/static/favicon.svg");
    }
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
