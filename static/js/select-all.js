// A header checkbox marked data-select-all="NAME" ticks or clears every checkbox named NAME.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-select-all]").forEach((master) => {
    const boxes = () => document.querySelectorAll(`input[type=checkbox][name="${master.dataset.selectAll}"]`);
    master.addEventListener("change", () => boxes().forEach((box) => { box.checked = master.checked; }));
  });
});
