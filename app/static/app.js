// Roundtable's only script of its own: tells people plainly whether live updates
// are working, and resets small forms after htmx sends them. Pages work without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setConnection(state, text) {
    var el = document.getElementById("connection");
    if (!el) return;
    el.dataset.state = state;
    // A status message: screen readers say it when it changes, so say each one once
    // (not again on every retry while the connection is down).
    if (el.textContent !== text) el.textContent = text;
  }

  // The live page needs htmx; if it could not load (a network that blocks the CDN),
  // say so instead of "Connecting…" for ever. (Scripts are deferred: htmx ran first.)
  if (!window.htmx && document.querySelector("[ws-connect]")) {
    setConnection("closed", "Live updates could not start here. Reload the page to see the latest.");
  }

  // Reconnect waits: random ("full jitter", so a restarted server is not hit by
  // everyone at once) but at most 8 seconds; htmx's own cap is 64, a long time to
  // look at "Trying to reconnect" after a train tunnel or a restart.
  if (window.htmx) {
    htmx.config.wsReconnectDelay = function (retries) {
      return Math.random() * 1000 * Math.pow(2, Math.min(retries, 3));
    };
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
      setConnection("closed", document.querySelector("[data-display]")
        ? "This display has been switched off. Ask the facilitator for the current display link."
        : "You are no longer in this meeting.");
      return;
    }
    setConnection("closed", "Connection lost. Trying to reconnect…");
  });
  // A pushed item placed into a list (a new question) may already be on the page,
  // from the asker's own reply or a full list pushed just before it: the newer copy
  // replaces the older, also when it is appended to the list that holds the older
  // (a new question goes last when the list is ordered by votes).
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var fragment = event.detail.fragment, target = event.detail.target;
    if (!fragment || !fragment.children) return;
    for (var i = 0; i < fragment.children.length; i++) {
      var id = fragment.children[i].id;
      var old = id ? document.getElementById(id) : null;
      if (old && old !== target && !old.contains(target) && (!target.contains(old) || old.parentNode === target)) {
        old.remove();
      }
    }
  });
  // Small forms (a question, a chat message) are emptied once sent. The listener
  // goes on the form itself: a live update may replace the form while it is being
  // sent, and events on a removed form no longer reach the document.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var sent = event.detail.elt;
    if (!sent || !sent.hasAttribute || !sent.hasAttribute("data-reset-on-success")) return;
    var action = sent.getAttribute("action");
    sent.addEventListener("htmx:afterRequest", function (done) {
      var ok = done.detail.xhr && done.detail.xhr.status >= 200 && done.detail.xhr.status < 300;
      if (!ok) return;  // keep what they typed, with the message saying why
      var form = document.body.contains(sent) ? sent
        : document.querySelector('form[data-reset-on-success][action="' + CSS.escape(action) + '"]');
      if (form) form.reset();  // its preserved fields moved into the new form
    }, { once: true });
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

// Your own upvotes. Pushed question lists are the same for everyone, so each page
// marks the questions this person voted for, from the ids its own page and its own
// replies carry (#my-votes), whichever of the push and the reply arrives last.
(function () {
  "use strict";
  function markVotes() {
    var holder = document.getElementById("my-votes");
    if (!holder) return;
    var mine = (holder.getAttribute("data-ids") || "").split(/\s+/);
    var buttons = document.querySelectorAll("button.vote[data-question]");
    for (var i = 0; i < buttons.length; i++) {
      var voted = mine.indexOf(buttons[i].getAttribute("data-question")) >= 0;
      buttons[i].setAttribute("aria-pressed", voted ? "true" : "false");
      var label = buttons[i].querySelector(".vote-label");
      if (label) label.textContent = voted ? "Upvoted" : "Upvote";
    }
  }
  document.addEventListener("htmx:wsAfterMessage", markVotes);
  document.addEventListener("htmx:afterRequest", markVotes);
  document.addEventListener("DOMContentLoaded", markVotes);
})();

// Keep keyboard focus through live updates. A pushed region (or the reply to a
// command) replaces the buttons inside it; without this, someone who had just
// pressed "Upvote" with the keyboard would be thrown back to the top of the page.
// The same control is found again by its id, or by its form's address and name.
(function () {
  "use strict";
  function keyOf(el) {
    if (!el || el === document.body || el === document.documentElement) return null;
    if (el.id) return "#" + CSS.escape(el.id);
    var form = el.form || (el.closest && el.closest("form"));
    if (!form || !form.getAttribute("action")) return null;
    var key = 'form[action="' + CSS.escape(form.getAttribute("action")) + '"] ' + el.tagName.toLowerCase();
    return el.name ? key + '[name="' + CSS.escape(el.name) + '"]' : key;
  }
  var last = null;  // the control that last had the focus
  document.addEventListener("focusin", function (event) {
    var key = keyOf(event.target);
    last = key ? { el: event.target, key: key } : null;
  });
  function restore() {
    if (!last || document.body.contains(last.el)) return;
    var active = document.activeElement;
    if (active && active !== document.body && active !== document.documentElement) return;
    var again = document.querySelector(last.key);
    if (again && typeof again.focus === "function") again.focus({ preventScroll: true });
  }
  // Browsers that blur a removed element say so here; the new content is in place
  // once the swap that removed it has finished.
  document.addEventListener("focusout", function () { setTimeout(restore, 0); });
  document.addEventListener("htmx:oobAfterSwap", restore);
  document.addEventListener("htmx:wsAfterMessage", restore);
  document.addEventListener("htmx:afterOnLoad", restore);
})();
