/* The asset page's "Replace file" form and versions list: both call the API
 * (POST /api/assets/<id>/file, POST .../versions/<n>/restore), as any client does,
 * say what the replacement kept and reset, then show the page as it is now. */
(function () {
  "use strict";
  const S = window.Salient;

  function said(body) {
    const parts = [`The previous file is kept as version ${body.version.number}.`];
    if (body.focal) parts.push(`Focal point ${body.focal}.`);
    const crops = Object.entries(body.crops).map(([slug, what]) => `${slug} ${what}`);
    if (crops.length) parts.push(`Crops: ${crops.join(", ")}.`);
    if (!body.aspect_kept) parts.push("The aspect ratio changed: decisions that no longer fit were reset.");
    if (body.reviews_reopened.length) parts.push(`Back to review: ${body.reviews_reopened.join(", ")}.`);
    if (body.filled.length) parts.push(`Filled from the file: ${body.filled.join(", ")}.`);
    return parts.join(" ");
  }

  async function send(url, body, out) {
    out.hidden = false;
    out.classList.remove("error");
    out.textContent = "Sending…";
    let response;
    try {
      response = await fetch(url, {method: "POST", credentials: "same-origin", body,
                                   headers: {Accept: "application/json",
                                             "X-CSRFToken": S.csrfToken()}});
    } catch (_) {
      out.textContent = "The server cannot be reached; check the connection.";
      out.classList.add("error");
      return;
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      out.textContent = data.error || `The server answered ${response.status}.`;
      out.classList.add("error");
      return;
    }
    out.textContent = said(data) + " Renditions are being remade; reloading…";
    await S.delay(1500);
    window.location.reload();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("replace-form");
    const out = document.getElementById("versions-message");
    if (form) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        send(form.dataset.url, new FormData(form), out);
      });
    }
    document.querySelectorAll("[data-action=restore-version]").forEach((button) => {
      button.addEventListener("click", () => {
        if (window.confirm(`Make version ${button.dataset.number} the current file again?`)) {
          send(button.dataset.url, null, out);
        }
      });
    });
  });
})();
