// The projector page: a button that puts the draw page in full screen.
document.addEventListener("click", (ev) => {
  const btn = ev.target.closest("[data-fullscreen]");
  if (!btn) return;
  const el = document.documentElement;
  if (document.fullscreenElement) document.exitFullscreen();
  else if (el.requestFullscreen) el.requestFullscreen();
});
