/* Quiz page: save each answer as it is chosen, show a countdown, submit at zero.
   Without this script the page still works: the "save" and "submit" buttons post the form. */
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form) { return; }
  var saveUrl = form.dataset.saveUrl;
  var statusEl = document.getElementById("save-status");
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var pending = {};      // question id -> selected keys not yet confirmed by the server
  var inFlight = false;
  var submitting = false;
  // Choices the server has not confirmed are kept in the browser's
  // localStorage too, so that a reload, or the attempt reopened in another tab
  // after the connection or the session dropped, sends them again instead of
  // losing them. Only option positions are kept, under this attempt's address,
  // and removed once the server has them or the sheet is submitted.
  var storeKey = "skillapp-unsaved:" + saveUrl;
  var SAVE_TIMEOUT_MS = 4000;

  function say(text) { if (statusEl) { statusEl.textContent = text; } }

  function remember() {
    try {
      if (Object.keys(pending).length) {
        window.localStorage.setItem(storeKey, JSON.stringify(pending));
      } else {
        window.localStorage.removeItem(storeKey);
      }
    } catch (e) { /* storage unavailable: the answers still go to the server */ }
  }

  function restore() {
    var stored = null;
    try { stored = JSON.parse(window.localStorage.getItem(storeKey) || "null"); } catch (e) { stored = null; }
    if (!stored || typeof stored !== "object") { return; }
    Object.keys(stored).forEach(function (id) {
      var fieldset = form.querySelector('fieldset[data-question-id="' + id + '"]');
      if (!fieldset || !Array.isArray(stored[id])) { return; }
      fieldset.querySelectorAll("input").forEach(function (input) {
        input.checked = stored[id].indexOf(input.value) !== -1;
      });
      pending[id] = stored[id].map(String);
    });
    remember();
  }

  function selectedFor(fieldset) {
    var keys = [];
    fieldset.querySelectorAll("input:checked").forEach(function (input) { keys.push(input.value); });
    return keys;
  }

  function flush() {
    if (inFlight) { return; }
    var ids = Object.keys(pending);
    if (!ids.length) { return; }
    var id = ids[0];
    var selected = pending[id];
    inFlight = true;
    say(form.dataset.msgSaving);
    // A save that hangs (a connection that died while the network was away)
    // is given up after a few seconds and tried again, never left "saving…".
    var controller = window.AbortController ? new window.AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, SAVE_TIMEOUT_MS) : null;
    fetch(saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
      body: JSON.stringify({ question_id: Number(id), selected: selected }),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      window.clearTimeout(timer);
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    }).then(function (result) {
      inFlight = false;
      if (result.status === 200 && result.body.ok) {
        if (pending[id] === selected) { delete pending[id]; remember(); }
        say(form.dataset.msgSaved + " (" +
            new Date().toLocaleTimeString(document.documentElement.lang || undefined) + ")");
        flush();
      } else if (result.status === 401) {
        // Logged out (timeout elsewhere): keep the choice and say how to go on.
        say(result.body.message || form.dataset.msgFailed);
      } else if (result.status === 409) {
        // Submitted elsewhere or time is up: the server decides; show its result.
        say(result.body.message || "");
        pending = {};
        remember();
        window.location.reload();
      } else {
        say((result.body && result.body.message) || form.dataset.msgFailed);
        delete pending[id];
        remember();
      }
    }).catch(function () {
      window.clearTimeout(timer);
      inFlight = false;
      say(form.dataset.msgFailed);
      window.setTimeout(flush, 3000);
    });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-question-id]");
    if (!fieldset) { return; }
    pending[fieldset.dataset.questionId] = selectedFor(fieldset);
    remember();
    flush();
  });

  window.addEventListener("online", flush);
  // Leaving with a choice not yet saved: the browser asks first.
  window.addEventListener("beforeunload", function (event) {
    if (!submitting && Object.keys(pending).length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  restore();
  flush();

  form.addEventListener("submit", function (event) {
    if (submitting) { event.preventDefault(); return; }
    var submitter = event.submitter;
    if (submitter && submitter.id === "save-button") { return; }
    var unanswered = Array.prototype.filter.call(
      form.querySelectorAll("fieldset[data-question-id]"),
      function (fs) { return !fs.querySelector("input:checked"); }
    ).length;
    if (unanswered && !form.dataset.autoSubmit && !window.confirm(form.dataset.msgUnanswered)) {
      event.preventDefault();
      return;
    }
    submitting = true;
    // The submitted sheet carries every choice: nothing is left to resend.
    try { window.localStorage.removeItem(storeKey); } catch (e) { /* storage unavailable */ }
  });

  var countdown = document.getElementById("countdown");
  if (countdown) {
    var valueEl = document.getElementById("countdown-value");
    var alertEl = document.getElementById("countdown-alert");
    var deadline = Date.now() + Number(countdown.dataset.remaining) * 1000;
    var warned = false;
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      valueEl.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (left <= 60 && !warned) {
        warned = true;
        countdown.classList.add("countdown--low");
        // Read out as words (「残り59秒」), not as a bare 「0:59」.
        alertEl.textContent = (alertEl.dataset.msgLeft || "{s}").replace("{s}", String(left));
      }
      if (left === 0) {
        window.clearInterval(timer);
        say(form.dataset.msgTimeup);
        form.dataset.autoSubmit = "1";
        var auto = document.createElement("input");
        auto.type = "hidden";
        auto.name = "auto";
        auto.value = "1";
        form.appendChild(auto);
        // The server scores the sheet as saved at the deadline, whatever arrives.
        form.requestSubmit(document.getElementById("submit-button"));
      }
    };
    var timer = window.setInterval(tick, 1000);
    tick();
  }
})();
