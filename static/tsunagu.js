/* Tsunagu's own few lines of JavaScript, loaded with defer (the CSP allows no inline script).
   Every page works without them; they only make two things nicer.

   1. The dropdowns (<details class="dropdown">: the top menu [口座], an account row's [v])
      close on Escape, focus going back to their summary, and on a click or focus outside.
      Opening one closes the others.
   2. htmx: base.html's config swaps the 4xx fragments the portal sends (409, 400, 422); a 4xx
      that carries a whole page (a CSRF or 404 page) or nothing is never swapped into a
      fragment's place. */
(function () {
  "use strict";

  function openDropdowns() {
    return Array.prototype.slice.call(document.querySelectorAll("details.dropdown[open]"));
  }

  function close(details, refocus) {
    details.open = false;
    if (refocus) {
      details.querySelector("summary").focus();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    openDropdowns().forEach(function (details) {
      var active = document.activeElement;
      close(details, details.contains(active) || active === document.body || active === null);
    });
  });

  function closeOutside(event) {
    openDropdowns().forEach(function (details) {
      if (!details.contains(event.target)) {
        close(details, false);
      }
    });
  }
  document.addEventListener("click", closeOutside);
  document.addEventListener("focusin", closeOutside);

  // `toggle` does not bubble: listen in the capture phase.
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches("details.dropdown") || !opened.open) {
      return;
    }
    openDropdowns().forEach(function (details) {
      if (details !== opened && !details.contains(opened)) {
        close(details, false);
      }
    });
  }, true);

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!detail.shouldSwap || !detail.xhr || detail.xhr.status < 400) {
      return;
    }
    var body = String(detail.serverResponse || "").trim();
    if (body === "" || /^<!doctype|<html[\s>]/i.test(body)) {
      detail.shouldSwap = false;
    }
  });
})();
