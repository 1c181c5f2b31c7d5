// Page behaviour asked for by data-* attributes. The Content-Security-Policy allows no inline
// script and no on*= handler, so templates say what they want and this file does it:
//   <form data-confirm="…">           asks before submitting (irreversible steps)
//   <select|input data-autosubmit>    submits its form when the value changes
//   <button data-print>               prints the page
//   <form data-once>                  ignores a second submit (a double tap on a phone)
//   <element data-i="3">              sets the CSS variable --i (staggered animations)
// Listeners sit on the document, so content swapped in by htmx behaves the same.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-once")) {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
    }
  });

  document.addEventListener("change", function (event) {
    const field = event.target;
    if (field instanceof Element && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit();
    }
  });

  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (button) window.print();
  });

  function applyIndices(root) {
    root.querySelectorAll("[data-i]").forEach(function (el) {
      el.style.setProperty("--i", el.dataset.i);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { applyIndices(document); });
  document.addEventListener("htmx:afterSwap", function (event) { applyIndices(event.target); });
})();
