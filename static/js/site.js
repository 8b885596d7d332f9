// Progressive enhancements only: every page works with JavaScript off.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.copy-link");
  if (!link || !navigator.clipboard) return;
  event.preventDefault();
  navigator.clipboard.writeText(link.dataset.copy).then(() => {
    link.textContent = "Link copied";
  });
});

// Forms on pages that every reader shares (the cached ones) carry an empty CSRF field: fill it
// from the site's /csrf/ address (never cached) when the reader starts on the form, or when
// they send it. Without JavaScript the server's answer to the first send keeps the text and
// brings a token, so sending again works.
(() => {
  const emptyField = (form) =>
    form && form.querySelector('input[name="csrfmiddlewaretoken"][data-csrf-url]:not([value]), input[name="csrfmiddlewaretoken"][data-csrf-url][value=""]');
  let asked = null;
  const fill = (field) => {
    asked ??= fetch(field.dataset.csrfUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then(({ token }) => {
        for (const input of document.querySelectorAll('input[name="csrfmiddlewaretoken"][data-csrf-url]')) {
          input.value = token;
        }
      })
      .catch(() => {
        asked = null;
      });
    return asked;
  };
  document.addEventListener("focusin", (event) => {
    const field = emptyField(event.target.form);
    if (field) fill(field);
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const field = emptyField(form);
    if (!field) return;
    event.preventDefault();
    fill(field).finally(() => form.submit());
  });
})();
