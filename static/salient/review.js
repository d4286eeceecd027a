/* The review queue: move between tiles with j/k or the arrow keys, mark with a/n/u.
 * Marks are optimistic: they show at once and go back, with the reason, if refused.
 */
(function () {
  "use strict";
  const S = window.Salient;
  const grid = document.getElementById("review-grid");
  if (!grid) return;
  const canReview = Boolean(grid.dataset.canReview);
  const LABELS = {pending: "To review", approved: "Approved", needs_work: "Needs work"};
  const tiles = () => [...grid.querySelectorAll(".tile[data-url]")];

  function focusTile(tile) {
    if (!tile) return;
    for (const t of tiles()) t.tabIndex = t === tile ? 0 : -1;
    tile.focus();
    tile.scrollIntoView({block: "nearest"});
  }

  function current() {
    const active = document.activeElement;
    return active && active.closest ? active.closest(".tile[data-url]") : null;
  }

  function move(delta) {
    const all = tiles();
    if (!all.length) return;
    const here = all.indexOf(current());
    const next = here < 0 ? 0 : Math.min(all.length - 1, Math.max(0, here + delta));
    focusTile(all[next]);
  }

  /** How many tiles fit in a row, so up/down arrows move a whole row. */
  function perRow() {
    const all = tiles();
    if (all.length < 2) return 1;
    const top = all[0].offsetTop;
    const n = all.findIndex((t) => t.offsetTop !== top);
    return n < 0 ? all.length : n;
  }

  function show(tile, review) {
    tile.dataset.review = review;
    const label = tile.querySelector("[data-field=review]");
    label.className = `review-state review-${review}`;
    label.textContent = LABELS[review];
    tile.querySelectorAll("button[data-set]").forEach((b) => {
      if (b.dataset.set !== "pending") b.setAttribute("aria-pressed", String(b.dataset.set === review));
    });
  }

  function tileError(tile, message) {
    const el = tile.querySelector("[data-field=error]");
    if (el) { el.textContent = message || ""; el.hidden = !message; }
    const banner = document.getElementById("review-error");
    banner.textContent = message ? `${tile.getAttribute("aria-label")}: ${message}` : "";
    banner.hidden = !message;
  }

  // One tile's saves go one after another, so quick keys (n, then u) reach the
  // server in the order they were pressed and the last one pressed wins.
  const queues = new WeakMap();

  function mark(tile, review) {
    if (!tile || !canReview) return;
    const before = tile.dataset.review;
    if (before === review) return;
    show(tile, review);
    tileError(tile, "");
    tile.classList.add("saving");
    const done = (queues.get(tile) || Promise.resolve()).then(() => save(tile, review, before));
    queues.set(tile, done);
    done.finally(() => {
      if (queues.get(tile) === done) tile.classList.remove("saving");
    });
  }

  async function save(tile, review, before) {
    try {
      await S.postJSON(tile.dataset.url, {review});
      document.getElementById("review-live").textContent =
        `${tile.getAttribute("aria-label")}: ${LABELS[review].toLowerCase()}`;
    } catch (error) {
      show(tile, before);
      tileError(tile, error.message);
    }
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest && event.target.closest("input, select, textarea")) return;
    const tile = current();
    if (!tile && event.key.startsWith("Arrow")) return;  // leave page scrolling alone
    const row = perRow();
    const keys = {
      j: () => move(1), ArrowRight: () => move(1), k: () => move(-1), ArrowLeft: () => move(-1),
      ArrowDown: () => move(row), ArrowUp: () => move(-row),
    };
    if (canReview && tile) {
      keys.a = () => { mark(tile, "approved"); move(1); };
      keys.n = () => { mark(tile, "needs_work"); move(1); };
      keys.u = () => mark(tile, "pending");
    }
    if (tile && event.target === tile) keys.Enter = () => { location.href = tile.dataset.href; };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  grid.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-set]");
    if (!button) return;
    const tile = button.closest(".tile");
    mark(tile, button.dataset.set);
  });

  grid.addEventListener("focusin", (event) => {
    const tile = event.target.closest(".tile[data-url]");
    if (tile) for (const t of tiles()) t.tabIndex = t === tile ? 0 : -1;
  });
})();
