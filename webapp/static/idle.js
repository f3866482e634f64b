// Idle sessions (webapp/auth/session_rules.py): warn a minute before the server ends the session, and
// tell the server the person is still here when they work in the page (typing a long form makes no
// request). The server decides on its own; this script only warns and renews.
(function () {
  "use strict";
  var body = document.body;
  var minutes = parseInt(body.getAttribute("data-idle-minutes"), 10);
  if (!minutes) { return; }
  var idleMs = minutes * 60 * 1000, warnMs = idleMs - 60 * 1000;
  var warning = document.getElementById("idle-warning");
  var lastRenewal = Date.now(), lastActivity = Date.now(), sending = false;

  function renew() {
    if (sending) { return; }
    sending = true;
    var data = new FormData();
    data.append("csrf_token", body.getAttribute("data-csrf"));
    fetch(body.getAttribute("data-keepalive"), {method: "POST", body: data, credentials: "same-origin"})
      .then(function (answer) { if (answer.ok) { lastRenewal = Date.now(); hide(); } })
      .catch(function () {})
      .then(function () { sending = false; });
  }
  function hide() { if (warning) { warning.classList.add("d-none"); } }

  ["keydown", "pointerdown", "input", "scroll"].forEach(function (name) {
    document.addEventListener(name, function () {
      lastActivity = Date.now();
      // At most one renewal a minute.
      if (lastActivity - lastRenewal > 60 * 1000) { renew(); }
    }, {passive: true, capture: true});
  });
  var button = document.getElementById("idle-continue");
  if (button) { button.addEventListener("click", renew); }

  setInterval(function () {
    var quiet = Date.now() - lastRenewal;
    if (quiet >= idleMs + 2000) {
      window.location.assign(window.location.pathname + window.location.search);  // the server logs out
    } else if (quiet >= warnMs && warning) {
      warning.classList.remove("d-none");
    }
  }, 5000);
}());
