// Progress page: the print button prints the page as a document, with every folded-away part
// (reflections, level history) opened for the paper and folded again afterwards; a link to a
// reflection opens it; after "more feedback" the first new entry takes the focus, so keyboard
// and screen-reader users continue where the new entries start.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });

  let openedForPrint = [];
  window.addEventListener("beforeprint", () => {
    openedForPrint = [...document.querySelectorAll("details[data-print-open]:not([open])")];
    openedForPrint.forEach((details) => { details.open = true; });
  });
  window.addEventListener("afterprint", () => {
    openedForPrint.forEach((details) => { details.open = false; });
    openedForPrint = [];
  });

  const openTarget = () => {
    const target = document.getElementById(window.location.hash.slice(1));
    for (let folded = target && target.closest("details"); folded; folded = folded.parentElement.closest("details")) {
      folded.open = true;
    }
  };
  window.addEventListener("hashchange", openTarget);
  openTarget();

  document.body.addEventListener("htmx:afterSettle", () => {
    const start = document.querySelector("[data-page-start]:not([data-seen])");
    if (start) {
      start.dataset.seen = "true";
      start.focus();
    }
  });
});
