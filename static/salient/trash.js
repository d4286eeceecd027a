/* Salient: the trash. The asset page's Delete (to the trash; the pages that use the photo
   named in the confirmation), and the Trash page's Restore, Restore selected and Delete now.
   All through the API, as sites do: DELETE /api/assets/<id>/, POST …/restore,
   POST /api/assets/bulk {ids, restore: true}, DELETE /api/trash/<id>. */
(function () {
  "use strict";
  const S = window.Salient;

  async function send(method, url) {
    let response;
    try {
      response = await fetch(url, {method, credentials: "same-origin",
                                   headers: {Accept: "application/json",
                                             "X-CSRFToken": S.csrfToken()}});
    } catch (_) {
      throw new Error("The server cannot be reached; check the connection.");
    }
    return response;
  }

  async function failure(response) {
    try {
      return (await response.json()).error || `The server answered ${response.status}.`;
    } catch (_) {
      return `The server answered ${response.status}.`;
    }
  }

  function showError(message) {
    const el = document.getElementById("trash-error");
    if (!el) return;
    el.textContent = message;
    el.hidden = false;
  }

  async function trash(button) {
    if (!window.confirm("Move this photo to the trash? Its public URLs stop working; " +
                        "it can be restored from the Trash page.")) return;
    let response = await send("DELETE", button.dataset.url);
    if (response.status === 409) {
      const body = await response.json();
      const pages = (body.pages || []).join("\n");
      if (!window.confirm(`This photo is used on ${body.pages.length} page(s):\n${pages}\n\n` +
                          "Delete it anyway? Those pages will show a broken image.")) return;
      response = await send("DELETE", button.dataset.url + "?force=true");
    }
    if (!response.ok) throw new Error(await failure(response));
    window.location.assign(button.dataset.done);
  }

  async function restore(button) {
    const response = await send("POST", button.dataset.url);
    if (!response.ok) throw new Error(await failure(response));
    window.location.assign(button.dataset.done);
  }

  async function purge(button) {
    if (!window.confirm("Delete this photo for good, with every file? This cannot be undone.")) {
      return;
    }
    const response = await send("DELETE", button.dataset.url);
    if (!response.ok) throw new Error(await failure(response));
    button.closest("tr").remove();
  }

  const picks = () => [...document.querySelectorAll("#trash-list input.pick")];

  async function restoreSelected(button) {
    const ids = picks().filter((box) => box.checked).map((box) => box.value);
    await S.postJSON(button.dataset.url, {ids, restore: true});
    window.location.reload();
  }

  const ACTIONS = {trash, restore, purge, "restore-selected": restoreSelected};

  document.addEventListener("change", (event) => {
    const selected = document.getElementById("trash-restore-selected");
    if (!selected || !event.target.matches("#trash-list input.pick")) return;
    selected.disabled = !picks().some((box) => box.checked);
  });

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || !(button.dataset.action in ACTIONS)) return;
    button.disabled = true;
    try {
      await ACTIONS[button.dataset.action](button);
    } catch (error) {
      showError(error.message);
    } finally {
      button.disabled = button.id === "trash-restore-selected" && !picks().some((b) => b.checked);
    }
  });
})();
