// The managers' list of approval requests on the desk and on /desk/requests: fetched again
// every 2.5 s and replaced in place (no page reload, so nobody loses their place: WCAG 2.2.1).
// Without script the desk's list is as fresh as the page, and /desk/requests reloads itself
// (a <noscript> refresh).
(function () {
  "use strict";
  var box = document.getElementById("approvals");
  if (!box) { return; }
  setInterval(function () {
    fetch("/desk/requests/open", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null && html !== box.innerHTML) { box.innerHTML = html; } })
      .catch(function () {});
  }, 2500);
})();
