// While an issue sends, its page polls the progress endpoint and updates the numbers in place.
// When the issue stops sending (sent, paused by an editor or by the mail server), the page
// reloads once, so its buttons (Pause, Resume) match what the issue can do now.
(function () {
  "use strict";
  var INTERVAL = 2000;

  function start() {
    var panel = document.getElementById("issue-progress");
    if (!panel || panel.dataset.status !== "sending") return;
    var url = panel.dataset.url;

    function show(name, value) {
      var field = panel.querySelector('[data-field="' + name + '"]');
      if (field) field.textContent = value;
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          show("status_display", data.status_display);
          show("sent", data.sent);
          show("remaining", data.remaining);
          show("failed", data.failed);
          show("eta", data.eta || "–");
          if (data.status !== "sending") {
            show("live", data.status_display + ".");
            window.location.reload();
            return;
          }
          window.setTimeout(poll, INTERVAL);
        })
        .catch(function () {
          show("live", "Could not refresh the progress; retrying.");
          window.setTimeout(poll, INTERVAL * 5);
        });
    }
    window.setTimeout(poll, INTERVAL);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
