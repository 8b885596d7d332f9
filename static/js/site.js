// Progressive enhancements only: every page works with JavaScript off.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.copy-link");
  if (!link || !navigator.clipboard) return;
  event.preventDefault();
  navigator.clipboard.writeText(link.dataset.copy).then(() => {
    link.textContent = "Link copied";
  });
});
