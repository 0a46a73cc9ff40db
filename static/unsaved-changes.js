// Warns before leaving a page whose form (data-warn-unsaved) has changes not yet saved: on a
// page with more than one form, another form's button would otherwise drop what was typed.
// Only while the form is dirty, and never when it is that form being sent. Without script
// nothing changes.
(function () {
  var dirty = [];

  function markDirty(event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-warn-unsaved") && dirty.indexOf(form) < 0) {
      dirty.push(form);
    }
  }
  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);

  // app.js (loaded first) has already had its say on a "Delete?" question by now.
  document.addEventListener("submit", function (event) {
    if (!event.defaultPrevented) {
      dirty = dirty.filter(function (form) { return form !== event.target; });
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty.length) {
      event.preventDefault();
      event.returnValue = "";  // some browsers ask only when a value is set
    }
  });
})();
