// The managers' list of approval requests on the desk and on /desk/requests: fetched again
// every 2.5 s and replaced in place (no page reload, so nobody loses their place: WCAG 2.2.1).
// Without script the desk's list is as fresh as the page, and /desk/requests reloads itself
// (a <noscript> refresh).
//
// The clerk's waiting page of a request (/desk/requests/{id}): the page is fetched again every
// 2 s while the request is open, and once a manager decided, the request's box is replaced in
// place (it is a polite live region, so a screen reader hears the outcome). No <meta refresh>
// (WCAG 2.2.1, axe's critical "meta-refresh"); without script the "Check now" link reloads.
(function () {
  "use strict";
  var waiting = document.getElementById("waiting");
  var path = waiting && waiting.getAttribute("data-poll");
  if (!path) { return; }
  var timer = setInterval(function () {
    fetch(path, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var next = new DOMParser().parseFromString(html, "text/html").getElementById("request-box");
        var status = next && next.querySelector("#request-status");
        if (!status || status.getAttribute("data-status") === "open") { return; }
        clearInterval(timer);
        var box = document.getElementById("request-box");
        box.innerHTML = next.innerHTML;
      })
      .catch(function () {});
  }, 2000);
})();

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
