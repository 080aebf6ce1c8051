/* Site-wide behaviour without inline script (the CSP allows none):
   forms marked data-confirm ask before they are sent. */

/* A page that marks an element data-focus-on-load (tabindex="-1") puts focus
   there when it loads: the quiz's heading, the score of a result. Screen
   readers start reading there, and Tab goes on from it. A link to a place on
   the page (#…) or a field already focused keeps its place. */
(function () {
  "use strict";
  var target = document.querySelector("[data-focus-on-load]");
  if (!target || window.location.hash) {
    return;
  }
  var active = document.activeElement;
  if (active && active !== document.body && active !== document.documentElement) {
    return;
  }
  target.focus({ preventScroll: true });
})();
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();

/* The survey mapping form: a select marked data-shows-groups shows the group
   of answers (fieldset[data-group-of=its id]) of the column it names. Without
   script the form's "show the answers" button does the same on the server. */
(function () {
  "use strict";
  var selects = document.querySelectorAll("select[data-shows-groups]");
  if (!selects.length) {
    return;
  }
  Array.prototype.forEach.call(document.querySelectorAll(".nojs-only"), function (el) {
    el.hidden = true;
  });
  Array.prototype.forEach.call(selects, function (select) {
    select.addEventListener("change", function () {
      var groups = document.querySelectorAll('[data-group-of="' + select.id + '"]');
      Array.prototype.forEach.call(groups, function (group) {
        group.hidden = group.getAttribute("data-column") !== select.value;
      });
    });
  });
})();

/* The assignment form: the job-grade and department lists
   (fieldset[data-target-panel]) show only for the target chosen. Without
   script both stay visible, each saying when it applies. */
(function () {
  "use strict";
  var radios = document.querySelectorAll("input[data-reveals]");
  if (!radios.length) {
    return;
  }
  function update() {
    var chosen = document.querySelector("input[data-reveals]:checked");
    Array.prototype.forEach.call(document.querySelectorAll("[data-target-panel]"), function (panel) {
      panel.hidden = !chosen || chosen.value !== panel.getAttribute("data-target-panel");
    });
  }
  Array.prototype.forEach.call(radios, function (radio) {
    radio.addEventListener("change", update);
  });
  update();
})();
