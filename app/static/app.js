// Roundtable's only script of its own: tells people plainly whether live updates
// are working, and resets small forms after htmx sends them. Pages work without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setConnection(state, text) {
    var el = document.getElementById("connection");
    if (!el) return;
    el.dataset.state = state;
    el.textContent = text;
  }

  var wasConnected = false;
  document.addEventListener("htmx:wsConnecting", function () {
    setConnection("connecting", wasConnected ? "Connection lost. Trying to reconnect…" : "Connecting to live updates…");
  });
  document.addEventListener("htmx:wsOpen", function () {
    setConnection("open", wasConnected ? "Reconnected. You are seeing the latest." : "Live: updates appear by themselves.");
    wasConnected = true;
  });
  document.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail && event.detail.event ? event.detail.event.code : 0;
    if (code === 4403) {
      setConnection("closed", "You are no longer in this meeting.");
      return;
    }
    setConnection("closed", "Connection lost. Trying to reconnect…");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    var ok = event.detail.xhr && event.detail.xhr.status >= 200 && event.detail.xhr.status < 300;
    if (ok && form && form.hasAttribute && form.hasAttribute("data-reset-on-success")) {
      form.reset();
    }
  });
})();

// Breakout timers: count down to the end time the server gave (the page also says
// "Ends at 14:35" without JavaScript), and say once, aloud, when a minute is left.
(function () {
  "use strict";
  var warned = {};
  function tick() {
    var timers = document.querySelectorAll("[data-ends-at]");
    for (var i = 0; i < timers.length; i++) {
      var el = timers[i];
      var end = Date.parse(el.getAttribute("data-ends-at"));
      if (isNaN(end)) continue;
      var left = Math.round((end - Date.now()) / 1000);
      var minutes = Math.floor(Math.max(left, 0) / 60), seconds = Math.max(left, 0) % 60;
      el.textContent = left > 0
        ? "Time left: " + minutes + ":" + (seconds < 10 ? "0" : "") + seconds
        : "Time is up. The facilitator will bring everyone back.";
      var warning = el.closest("section") && el.closest("section").querySelector(".timer-warning");
      var key = el.getAttribute("data-ends-at");
      if (warning && left <= 60 && left > 0 && !warned[key]) {
        warned[key] = true;
        warning.textContent = "One minute left.";
      }
    }
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
})();
