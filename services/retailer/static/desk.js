// The managers' list of approval requests on the desk: fetched again every 2.5 s. Without
// script the list is as fresh as the page (reload it, or keep /desk/requests open).
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
