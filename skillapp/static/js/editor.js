/* The editor (authoring pages). Everything works without this script; with it:
   - the lesson preview follows the text as you type (the server renders and
     sanitises the Markdown, exactly as for learners);
   - an uploaded image is inserted into the text at the cursor;
   - the question form shows the inputs of the chosen question type. */
(function () {
  "use strict";
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var token = tokenMeta ? tokenMeta.getAttribute("content") : "";

  Array.prototype.forEach.call(document.querySelectorAll(".nojs-only"), function (el) {
    el.hidden = true;
  });

  // ---- live Markdown preview --------------------------------------------------
  var source = document.querySelector("textarea[data-preview-url]");
  var previewBody = document.getElementById("live-preview-body");
  var previewTitle = document.getElementById("live-preview-title");
  var timer = null;
  var sent = 0;

  function refresh() {
    if (!source || !previewBody) { return; }
    var mine = ++sent;
    fetch(source.dataset.previewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
      body: JSON.stringify({ markdown: source.value })
    }).then(function (response) {
      return response.json();
    }).then(function (body) {
      // The HTML comes from the server's sanitiser (the one used for learners).
      if (mine === sent && body && body.ok) { previewBody.innerHTML = body.html; }
    }).catch(function () {
      if (mine === sent) { previewBody.setAttribute("data-error", source.dataset.msgFailed || ""); }
    });
  }

  if (source && previewBody) {
    source.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 350);
    });
    var titleInput = document.getElementById("title");
    if (titleInput && previewTitle) {
      titleInput.addEventListener("input", function () { previewTitle.textContent = titleInput.value; });
    }
  }

  function insertAtCursor(text) {
    if (!source) { return; }
    var start = source.selectionStart || 0;
    var end = source.selectionEnd || start;
    var before = source.value.slice(0, start);
    var after = source.value.slice(end);
    var block = (before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "") + text + "\n\n";
    source.value = before + block + after;
    var caret = (before + block).length;
    source.focus();
    source.setSelectionRange(caret, caret);
    refresh();
  }

  // ---- images -------------------------------------------------------------------
  Array.prototype.forEach.call(document.querySelectorAll("[data-insert]"), function (button) {
    if (!source) { return; }
    button.hidden = false;
    button.addEventListener("click", function () { insertAtCursor(button.dataset.insert); });
  });

  var uploadForm = document.getElementById("image-upload-form");
  if (uploadForm && source) {
    var status = document.getElementById("image-upload-status");
    uploadForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(uploadForm);
      status.textContent = "…";
      fetch(uploadForm.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token, "Accept": "application/json" },
        body: data
      }).then(function (response) {
        return response.json().catch(function () { return { ok: false }; });
      }).then(function (body) {
        if (body.ok) {
          insertAtCursor(body.markdown);
          status.textContent = uploadForm.dataset.msgInserted + " " + body.markdown;
          uploadForm.reset();
        } else {
          status.textContent = body.message || uploadForm.dataset.msgFailed;
        }
      }).catch(function () {
        status.textContent = uploadForm.dataset.msgFailed;
      });
    });
  }

  // ---- question type --------------------------------------------------------------
  var typeSelect = document.querySelector("#question-form select[name=type]");
  if (typeSelect) {
    var apply = function () {
      var type = typeSelect.value;
      Array.prototype.forEach.call(document.querySelectorAll("[data-for-types]"), function (group) {
        group.hidden = group.dataset.forTypes.split(" ").indexOf(type) < 0;
      });
      var inputs = document.querySelectorAll("input[data-correct-input]");
      var kind = type === "single" ? "radio" : "checkbox";
      var seen = false;
      Array.prototype.forEach.call(inputs, function (input) {
        if (input.type !== kind) {
          // A radio group keeps one choice: keep the first checked box.
          var keep = input.checked && !(kind === "radio" && seen);
          input.type = kind;
          input.checked = keep;
        }
        if (input.checked) { seen = true; }
      });
    };
    typeSelect.addEventListener("change", apply);
    apply();
  }
})();
