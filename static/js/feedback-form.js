// Feedback form: tapping a level or signing off a task ticks "practised" for that goal (one
// tap less, also when the level was already the pre-set one); a ticked goal's card is
// outlined; the free-text shift box only shows for "other"; a second tap on "save" (tired
// thumbs on a phone) does not record the moment twice.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("feedback-form");
  if (!form) return;

  form.querySelectorAll("[data-goal-card]").forEach((card) => {
    const practised = card.querySelector("[data-practised]");
    const outline = () => card.classList.toggle("border-success", practised.checked);
    card.querySelectorAll("[data-ticks-goal]").forEach((input) => {
      input.addEventListener("click", () => {
        if (input.type === "radio" || input.checked) practised.checked = true;
        outline();
      });
    });
    practised.addEventListener("change", outline);
    outline();
  });

  const note = form.querySelector("[data-shift-note]");
  const showNote = () => {
    const chosen = form.querySelector("input[name=shift]:checked");
    note.hidden = !(chosen && chosen.value === "other") && !note.querySelector(".is-invalid");
  };
  form.querySelectorAll("input[name=shift]").forEach((radio) => radio.addEventListener("change", showNote));
  showNote();

  form.addEventListener("submit", (event) => {
    if (form.dataset.submitted) event.preventDefault();
    form.dataset.submitted = "true";
  });
});
