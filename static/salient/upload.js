/* Upload: drop or choose several photos; each goes up in its own request with its own
 * progress bar, then its row follows processing until the renditions are made. The
 * "Apply to this batch" template (credit, copyright, keywords...) as it stands when the
 * files are added goes with each of them.
 */
(function () {
  "use strict";
  const S = window.Salient;
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = form.querySelector("input[type=file]");
  const zone = document.getElementById("dropzone");
  const list = document.getElementById("uploads");
  const summary = document.getElementById("uploads-summary");
  const PARALLEL = 2;
  const assetPage = (id) => form.dataset.assetUrl.replace("00000000-0000-0000-0000-000000000000", id);
  const queue = [];
  const counts = {uploading: 0, done: 0, failed: 0, total: 0};
  let running = 0;

  form.querySelectorAll(".js-only").forEach((el) => { el.hidden = false; });
  document.getElementById("upload-submit").hidden = true;

  function sizeText(bytes) {
    if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  function addRow(file) {
    const li = document.createElement("li");
    li.className = "waiting";
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = `${file.name} · ${sizeText(file.size)}`;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", `Upload of ${file.name}`);
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = "Waiting…";
    li.append(name, bar, state);
    list.append(li);
    document.getElementById("uploads-section").hidden = false;
    return {file, li, bar, state};
  }

  function setRow(row, cls, text) {
    row.li.className = cls;
    row.state.textContent = text;
  }

  function updateSummary() {
    const left = counts.total - counts.done - counts.failed;
    summary.textContent = `${counts.done} of ${counts.total} uploaded`
      + (counts.failed ? `, ${counts.failed} refused` : "") + (left ? `, ${left} to go` : "");
  }

  /** The batch template as it stands when files are added: [name, value] pairs to send. */
  function batchFields() {
    const box = document.getElementById("batch-template");
    if (!box) return [];
    const pairs = [...box.querySelectorAll("input[name], textarea[name]")]
      .filter((el) => el.type !== "checkbox" && el.value.trim())
      .map((el) => [el.name, el.value.trim()]);
    const keywords = box.querySelector("[data-tag-input]").tags;
    keywords.commit();
    if (keywords.values.length) pairs.push(["keywords", keywords.values.join(", ")]);
    if (pairs.length) pairs.push(["overwrite", String(document.getElementById("batch-overwrite").checked)]);
    return pairs;
  }

  function add(files) {
    const template = batchFields();
    for (const file of files) {
      queue.push({...addRow(file), template});
      counts.total += 1;
    }
    updateSummary();
    pump();
  }

  function pump() {
    while (running < PARALLEL && queue.length) {
      const row = queue.shift();
      running += 1;
      send(row).finally(() => { running -= 1; updateSummary(); pump(); });
    }
  }

  function send(row) {
    return new Promise((resolve) => {
      const data = new FormData();
      data.append("files", row.file, row.file.name);
      data.append("title", form.querySelector("[name=title]").value);
      const collection = form.querySelector("[name=collection]");
      if (collection) data.append("collection", collection.value);
      row.template.forEach(([name, value]) => data.append(name, value));
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", S.csrfToken());
      xhr.upload.addEventListener("progress", (event) => {
        if (!event.lengthComputable) return;
        row.bar.value = Math.round((event.loaded / event.total) * 100);
        setRow(row, "uploading", `Uploading ${row.bar.value}%`);
      });
      xhr.addEventListener("load", () => { finish(row, xhr); resolve(); });
      xhr.addEventListener("error", () => {
        fail(row, "The upload did not reach the server; check the connection.");
        resolve();
      });
      setRow(row, "uploading", "Uploading 0%");
      xhr.send(data);
    });
  }

  /** The API's answer: {created: [asset], errors: [{file, error, existing}]}, or {error}. */
  function finish(row, xhr) {
    let body = null;
    try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON: a proxy's page */ }
    if (!body) {
      fail(row, `The server answered ${xhr.status}.`);
      return;
    }
    if (!body.created || !body.created.length) {
      fail(row, body.error || "The file was refused.");
      (body.errors || []).filter((e) => e.existing).forEach((e) => {
        const link = document.createElement("a");
        link.href = assetPage(e.existing);
        link.textContent = "Open the existing asset";
        row.state.append(" ", link);
      });
      return;
    }
    counts.done += 1;
    row.bar.value = 100;
    const asset = body.created[0];
    setRow(row, "processing", "");
    const link = document.createElement("a");
    link.href = assetPage(asset.id);
    link.textContent = asset.title;
    const status = document.createElement("span");
    status.className = "status status-queued";
    status.textContent = "Queued";
    row.state.append("Uploaded: ", link, " ", status);
    similar(row, asset.similar || []);
    follow(row, `${form.action}${asset.id}/`, status);
  }

  /** Kept but flagged: "looks like <asset>" for each near-duplicate the answer names. */
  function similar(row, found) {
    found.forEach((s, i) => {
      const link = document.createElement("a");
      link.href = assetPage(s.id);
      link.textContent = s.title;
      const note = document.createElement("span");
      note.className = "similar";
      note.append(i ? ", " : " · looks like ", link);
      row.state.append(note);
    });
  }

  function fail(row, message) {
    counts.failed += 1;
    setRow(row, "failed", `Refused: ${message}`);
  }

  /** Follow processing so the row says when the renditions are there. */
  async function follow(row, url, status) {
    const detail = document.createElement("span");
    row.state.append(" ", detail);
    try {
      const data = await S.watchAsset(url, (d) => {
        S.setStatus(status, d.status);
        detail.textContent = `${d.progress.renditions} of ${d.progress.profiles} renditions`;
      }, {interval: 1000});
      row.li.className = data.status === "failed" ? "failed" : "done";
      if (data.status === "failed") detail.textContent = data.error || "Processing failed.";
    } catch (error) {
      detail.textContent = error.message;
    }
  }

  input.addEventListener("change", () => {
    add([...input.files]);
    input.value = "";
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.files.length) add([...input.files]);
  });
  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("over");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    zone.addEventListener(type, () => zone.classList.remove("over"));
  }
  // A file dropped beside the zone must not replace the page with the photo.
  document.addEventListener("dragover", (event) => event.preventDefault());
  document.addEventListener("drop", (event) => event.preventDefault());
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    const files = [...event.dataTransfer.files];
    if (files.length) add(files);
  });
})();
