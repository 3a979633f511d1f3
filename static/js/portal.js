// Portal behaviour shared by every page. Kept small and dependency-free.
(function () {
  "use strict";
  // Irreversible actions: a form (or its submit button) carrying data-confirm asks first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
