// The demo product's own behaviour: "Save settings" says it saved (no
// inline handlers, which the Content-Security-Policy refuses).
document.addEventListener("submit", (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains("settings")) return;
  e.preventDefault();
  const saved = form.querySelector("#saved");
  if (saved) saved.hidden = false;
});
