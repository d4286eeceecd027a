/* Salient: helpers shared by the editor pages (no build step, no dependencies). */
(function () {
  "use strict";

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  /** An Error carrying a message a person can act on. */
  async function errorOf(response) {
    let message = "";
    let fields = {};
    let body = {};
    try {
      body = await response.clone().json();
      message = body.error || "";
      fields = body.fields || {};
    } catch (_) { /* not JSON */ }
    if (!message && response.status === 403) message = "You do not have permission to do this.";
    if (!message && response.status === 404) message = "Not found: it may have been deleted.";
    if (!message) message = `The server answered ${response.status} ${response.statusText}.`;
    const error = new Error(message);
    error.status = response.status;
    error.fields = fields;  // field name -> [messages], from a 400's {"fields": ...}
    error.body = body;  // the whole answer (a 409's particulars)
    return error;
  }

  async function getJSON(url) {
    let response;
    try {
      response = await fetch(url, {credentials: "same-origin",
                                   headers: {Accept: "application/json"}});
    } catch (_) {
      throw new Error("The server cannot be reached; check the connection.");
    }
    if (!response.ok) throw await errorOf(response);
    return response.json();
  }

  async function sendJSON(method, url, body) {
    let response;
    try {
      response = await fetch(url, {
        method, credentials: "same-origin",
        headers: {"Content-Type": "application/json", Accept: "application/json",
                  "X-CSRFToken": csrfToken()},
        body: JSON.stringify(body || {}),
      });
    } catch (_) {
      throw new Error("The server cannot be reached; check the connection.");
    }
    if (!response.ok) throw await errorOf(response);
    return response.json();
  }

  const postJSON = (url, body) => sendJSON("POST", url, body);
  const patchJSON = (url, body) => sendJSON("PATCH", url, body);

  /** The page at ``url`` as the server renders it now, parsed; null when it cannot be had. */
  async function fetchDocument(url) {
    try {
      const response = await fetch(url, {credentials: "same-origin"});
      if (!response.ok) return null;
      return new DOMParser().parseFromString(await response.text(), "text/html");
    } catch (_) {
      return null;
    }
  }

  function delay(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Poll an asset's JSON until its processing is done; onTick sees every answer. */
  async function watchAsset(url, onTick, {interval = 600, isCancelled = () => false} = {}) {
    for (;;) {
      const data = await getJSON(url);
      if (isCancelled()) return null;
      onTick(data);
      if (data.progress && data.progress.done) return data;
      await delay(interval);
      if (isCancelled()) return null;
    }
  }

  const STATUS_LABELS = {queued: "Queued", processing: "Processing", ready: "Ready",
                         failed: "Failed"};

  function setStatus(el, status) {
    if (!el) return;
    el.className = el.className.replace(/\bstatus-\w+/g, "").trim() + ` status-${status}`;
    el.textContent = STATUS_LABELS[status] || status;
  }

  window.Salient = Object.assign(window.Salient || {}, {
    csrfToken, getJSON, postJSON, patchJSON, fetchDocument, delay, watchAsset, setStatus,
    STATUS_LABELS,
  });
})();
