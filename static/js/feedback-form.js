// Feedback form: a goal's level buttons show only once the goal is marked practised (without
// JavaScript they all show, and the server ignores levels of goals not practised); a practised
// goal's card is outlined; the free-text shift box only shows for "other"; after a refused
// save the first marked field takes the focus; a second tap on "save" (tired thumbs on a
// phone) does not record the moment twice.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("feedback-form");
  if (!form) return;

  form.querySelectorAll("[data-goal-card]").forEach((card) => {
    const practised = card.querySelector("[data-practised]");
    const levels = card.querySelector("[data-level-for]");
    const show = () => {
      card.classList.toggle("border-success", practised.checked);
      levels.hidden = !practised.checked;
    };
    practised.addEventListener("change", show);
    show();
  });

  const note = form.querySelector("[data-shift-note]");
  const showNote = () => {
    const chosen = form.querySelector("input[name=shift]:checked");
    note.hidden = !(chosen && chosen.value === "other") && !note.querySelector(".is-invalid");
  };
  form.querySelectorAll("input[name=shift]").forEach((radio) => radio.addEventListener("change", showNote));
  showNote();

  const firstError = form.querySelector(".is-invalid, [data-has-error] input");
  if (firstError) firstError.focus();

  form.addEventListener("submit", (event) => {
    if (form.dataset.submitted) event.preventDefault();
    form.dataset.submitted = "true";
  });
});
