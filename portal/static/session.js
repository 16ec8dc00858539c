// Warns two minutes before the session ends, with the button to extend it in view (WCAG 2.2.1).
// The page works without this script: the session bar always shows the end time and the button.
(function () {
  "use strict";
  var bar = document.querySelector("[data-session-ends]");
  if (!bar) { return; }
  var ends = Date.parse(bar.getAttribute("data-session-ends"));
  var warnAt = ends - 2 * 60 * 1000;
  function warn() {
    bar.classList.add("session-bar--warning");
    bar.setAttribute("role", "alert");
    var button = bar.querySelector("button");
    if (button) { button.focus(); }
  }
  var wait = warnAt - Date.now();
  if (wait <= 0) { warn(); } else { window.setTimeout(warn, wait); }
}());
