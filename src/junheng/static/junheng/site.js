// Page behaviour asked for by data-* attributes. The Content-Security-Policy allows no inline
// script and no on*= handler, so templates say what they want and this file does it:
//   <form data-confirm="…">           asks before submitting (irreversible steps)
//   <select|input data-autosubmit>    submits its form when the value changes
//   <button data-print>               prints the page
//   <form data-once>                  ignores a second submit (a double tap on a phone)
//   <element data-i="3">              sets the CSS variable --i (staggered animations)
//   <button data-nav-toggle>          opens and closes the header's navigation on a phone
//   <details class="nav-group">       one header menu open at a time; a click outside closes it
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

  // Header menus: opening one closes the others; a click outside (or Escape) closes them all.
  function closeMenus(except) {
    document.querySelectorAll("details.nav-group[open]").forEach(function (d) {
      if (d !== except) d.removeAttribute("open");
    });
  }
  document.addEventListener("toggle", function (event) {
    const d = event.target;
    if (d instanceof HTMLDetailsElement && d.classList.contains("nav-group") && d.open) {
      closeMenus(d);
    }
  }, true);
  document.addEventListener("click", function (event) {
    const target = event.target instanceof Element ? event.target : null;
    if (!target || !target.closest("details.nav-group")) closeMenus(null);
    const toggle = target ? target.closest("[data-nav-toggle]") : null;
    if (toggle) {
      const header = toggle.closest("header");
      const open = header.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
  });

  function applyIndices(root) {
    root.querySelectorAll("[data-i]").forEach(function (el) {
      el.style.setProperty("--i", el.dataset.i);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { applyIndices(document); });
  document.addEventListener("htmx:afterSwap", function (event) { applyIndices(event.target); });
})();
