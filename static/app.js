// Moves focus to the error summary after a failed submit, so keyboard and screen-reader
// users land on the list of problems (each links to its field).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});

// Forms that do what cannot be undone (data-confirm) ask first; without script they are
// sent at once, as before.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.getAttribute ? form.getAttribute("data-confirm") : null;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Print buttons (data-print): no inline script, so the page works under a strict CSP.
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-print]") : null;
  if (button) {
    window.print();
  }
});
