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
