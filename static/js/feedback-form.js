// Feedback form: choosing a level ticks "practised" for that goal (one tap less), and the
// free-text shift box only shows for "other".
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("feedback-form");
  if (!form) return;

  form.querySelectorAll("[data-level-for]").forEach((fieldset) => {
    const practised = document.getElementById(fieldset.dataset.levelFor);
    fieldset.addEventListener("change", () => { practised.checked = true; });
  });

  const note = form.querySelector("[data-shift-note]");
  const showNote = () => {
    const chosen = form.querySelector("input[name=shift]:checked");
    note.hidden = !(chosen && chosen.value === "other") && !note.querySelector(".is-invalid");
  };
  form.querySelectorAll("input[name=shift]").forEach((radio) => radio.addEventListener("change", showNote));
  showNote();
});
