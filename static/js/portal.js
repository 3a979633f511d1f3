// Portal behaviour shared by every page. Kept small and dependency-free; the Content-Security-Policy
// forbids inline script, so page behaviour is keyed on data attributes here.
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

  // Buttons and links: data-print prints the page, data-history-back goes back one page.
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-print], [data-history-back]") : null;
    if (!target) { return; }
    event.preventDefault();
    if (target.hasAttribute("data-print")) { window.print(); } else { window.history.back(); }
  });

  // A <select data-follows="id_of_other_select"> keeps only the options whose data-category matches the
  // value chosen in the other select (e.g. the project sub-type follows the category).
  function followSelect(subType) {
    var category = document.getElementById(subType.getAttribute("data-follows"));
    if (!category) { return; }
    var options = Array.prototype.slice.call(subType.options);
    function follow() {
      var chosen = category.value;
      var current = subType.value;
      var keep = options.filter(function (option) {
        return !option.value || (chosen && option.getAttribute("data-category") === chosen);
      });
      while (subType.firstChild) { subType.removeChild(subType.firstChild); }
      keep.forEach(function (option) { subType.appendChild(option); });
      subType.value = keep.some(function (option) { return option.value === current; }) ? current : "";
    }
    category.addEventListener("change", follow);
    follow();
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-follows]"), followSelect);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
