// Jigsaw's only script, served from 'self' (the pages' Content-Security-Policy allows no
// inline script). Everything works without it; it only moves focus as GOV.UK pages do.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // An error summary takes the focus, so a screen reader announces it and a keyboard user
    // starts from it.
    var summary = document.querySelector(".govuk-error-summary");
    if (summary) {
      summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
    // A link in the summary moves to its field's input, not only to the label.
    document.querySelectorAll(".govuk-error-summary__list a").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) return;
        var input = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
        if (input) {
          event.preventDefault();
          input.focus();
          target.scrollIntoView();
        }
      });
    });
  });
})();
