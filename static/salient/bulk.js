/* Library selection and bulk edit (editors). A tick on a tile selects it, Shift-click (or
 * Shift+Space) on another selects the ones between; "Select all N matching" takes every
 * asset of the current search, on every page. Apply sends one POST /api/assets/bulk with
 * the ids, or with the search itself ({query}) when all matching are selected. Delete sends
 * the same selection with {trash: true}; when pages use some of the assets (409), a second
 * confirmation names them and {force: true} goes on, as the asset page's Delete does.
 * Download originals posts the same selection to /api/assets/download as a form.
 */
(function () {
  "use strict";
  const S = window.Salient;
  const bar = document.getElementById("bulk");
  if (!bar) return;
  const $ = (id) => document.getElementById(id);
  const form = $("bulk-form");
  let total = Number(bar.dataset.total) || 0;
  const state = {anchor: null, allMatching: false, shiftSpace: false};

  const grid = () => document.querySelector(".grid");
  const boxes = () => [...grid().querySelectorAll("input.pick")];
  const picked = () => boxes().filter((box) => box.checked).map((box) => box.value);
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  function update() {
    const count = state.allMatching ? total : picked().length;
    boxes().forEach((box) => box.closest(".tile").classList.toggle("picked", box.checked));
    $("bulk-count").textContent = state.allMatching ? `All ${total} matching selected`
      : count ? `${count} selected` : "Nothing selected";
    $("bulk-clear").hidden = !count;
    $("bulk-all").hidden = state.allMatching;
    form.hidden = !count;
    $("bulk-apply").textContent = `Apply to ${plural(count, "asset")}`;
    if ($("bulk-trash")) $("bulk-trash").textContent = `Delete ${plural(count, "asset")}`;
    bar.dataset.selected = String(count);
  }

  /** A tick (or its tile) was clicked: toggle it, or with Shift the range from the last one. */
  function onPick(box, range) {
    const all = boxes();
    if (range && state.anchor && all.includes(state.anchor)) {
      const [from, to] = [all.indexOf(state.anchor), all.indexOf(box)].sort((a, b) => a - b);
      all.slice(from, to + 1).forEach((b) => { b.checked = box.checked; });
    }
    state.anchor = box;
    state.allMatching = false;
    update();
  }

  function onGridClick(event) {
    const box = event.target.closest("input.pick");
    if (box) {
      onPick(box, event.shiftKey || state.shiftSpace);
      state.shiftSpace = false;
      return;
    }
    const tile = event.target.closest(".tile");
    if (!tile || event.target.closest("a, button, input") || !tile.querySelector("input.pick")) return;
    const pick = tile.querySelector("input.pick");
    pick.checked = !pick.checked;
    onPick(pick, event.shiftKey);
  }

  function selectAll() {
    boxes().forEach((box) => { box.checked = true; });
    state.allMatching = true;
    update();
  }

  function clear() {
    boxes().forEach((box) => { box.checked = false; });
    state.allMatching = false;
    state.anchor = null;
    update();
  }

  /** The library's current search, as the page's URL says it (q, status, any filter). */
  function currentQuery() {
    const params = new URLSearchParams(location.search);
    const query = {};
    for (const key of new Set(params.keys())) {
      if (key === "page") continue;
      const values = params.getAll(key).filter(Boolean);
      if (values.length) query[key] = values.length === 1 ? values[0] : values;
    }
    return query;
  }

  /** Each [data-op] row's value for the request, or null when the row asks for nothing. */
  const READERS = {
    set(row) {
      const [field, value] = row.querySelectorAll("select, input");
      return field.value ? {[field.value]: value.value} : null;
    },
    append(row) {
      const [field, value] = row.querySelectorAll("select, input");
      return field.value && value.value ? {[field.value]: value.value} : null;
    },
    collection(row) {
      const value = row.querySelector("select").value;
      return value ? Number(value) : null;
    },
    /** Licence and dates, sent as part of ``set``; local times become ISO 8601 (UTC). */
    rights(row) {
      const out = {};
      const licence = row.querySelector("[data-field=licence]").value;
      if (licence) out.licence = licence === "-" ? null : licence;
      const clearing = $("bulk-clear-dates").checked;
      row.querySelectorAll("input[type=datetime-local]").forEach((el) => {
        if (clearing) out[el.dataset.field] = null;
        else if (el.value) out[el.dataset.field] = new Date(el.value).toISOString();
      });
      return Object.keys(out).length ? out : null;
    },
    add_keywords: (row) => keywords(row),
    remove_keywords: (row) => keywords(row),
  };

  function keywords(row) {
    const box = row.querySelector("[data-tag-input]").tags;
    box.commit();
    return box.values.length ? box.values : null;
  }

  function operations() {
    const ops = {};
    form.querySelectorAll("[data-op]").forEach((row) => {
      const read = READERS[row.dataset.op];
      const value = read && read(row);
      if (value && row.dataset.op === "rights") ops.set = {...(ops.set || {}), ...value};
      else if (value) ops[row.dataset.op] = value;
    });
    return ops;
  }

  function say(text, kind = "") {
    $("bulk-result").textContent = text;
    $("bulk-result").className = `form-status ${kind}`.trim();
  }

  async function apply(event) {
    event.preventDefault();
    const ops = operations();
    if (!Object.keys(ops).length) {
      say("Choose a change first: a field to set or append to, or keywords.", "error");
      return;
    }
    await run($("bulk-apply"), "Applying…",
              () => S.postJSON(bar.dataset.url, {...target(), ...ops}),
              (result) => [`Updated ${result.updated} of ${plural(result.matched, "asset")}.`, "ok"]);
  }

  const target = () => (state.allMatching ? {query: currentQuery()} : {ids: picked()});

  /** One bulk request from ``button``: says ``working``, then ``done(result)`` ([text, kind])
   * and reads the grid again; a null result changed nothing. */
  async function run(button, working, request, done) {
    button.disabled = true;
    say(working);
    bar.dataset.state = "applying";
    try {
      const result = await request();
      say(...done(result));
      if (result) await refreshGrid();
      bar.dataset.state = "done";
    } catch (error) {
      say(fieldMessages(error.fields) || error.message, "error");
      bar.dataset.state = "error";
    } finally {
      button.disabled = false;
    }
  }

  /** To the trash, once confirmed; again with force once the pages in use are confirmed. */
  async function trashSelected() {
    const count = state.allMatching ? total : picked().length;
    if (!window.confirm(`Move ${plural(count, "asset")} to the trash? Their public URLs stop ` +
                        "working; they can be restored from the Trash page.")) return;
    const body = {...target(), trash: true};
    await run($("bulk-trash"), "Deleting…", async () => {
      const result = await trashOrConfirm(body);
      if (result) state.allMatching = false;
      return result;
    }, (result) => (result ? [`Moved ${result.updated} of ${plural(result.matched, "asset")} ` +
                              "to the trash.", "ok"] : ["Nothing was deleted."]));
  }

  /** The originals of the selection as one ZIP: asked with check first (a refusal, too many
   * or too large, shows here), then a form's POST to the same API, so that the browser saves
   * the stream as any download (a script's fetch would hold it all in memory). */
  async function downloadSelected() {
    const button = $("bulk-download");
    button.disabled = true;
    say("Checking the selection…");
    try {
      const sized = await S.postJSON(button.dataset.url, {...target(), check: true});
      submitDownload(button.dataset.url);
      const size = sized.bytes < 2 ** 20 ? `${Math.ceil(sized.bytes / 1024)} KiB`
        : `${(sized.bytes / 2 ** 20).toFixed(1)} MiB`;
      say(`Downloading ${plural(sized.assets, "original")} (${size}) as one ZIP.`, "ok");
    } catch (error) {
      say(fieldMessages(error.fields) || error.message, "error");
    } finally {
      button.disabled = false;
    }
  }

  function submitDownload(url) {
    const post = document.createElement("form");
    post.method = "post";
    post.action = url;
    post.hidden = true;
    const add = (name, value) => {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      post.append(input);
    };
    add("csrfmiddlewaretoken", S.csrfToken());
    if (state.allMatching) {
      Object.entries(currentQuery()).forEach(([key, value]) =>
        [].concat(value).forEach((v) => add(`query.${key}`, v)));
    } else {
      picked().forEach((id) => add("ids", id));
    }
    document.body.append(post);
    post.submit();
    post.remove();
  }

  async function trashOrConfirm(body) {
    try {
      return await S.postJSON(bar.dataset.url, body);
    } catch (error) {
      const inUse = error.status === 409 && error.body.in_use;
      if (!inUse) throw error;
      const lines = inUse.map((a) => `${a.title}: ${a.pages.join(", ")}`).join("\n");
      if (!window.confirm(`${plural(inUse.length, "photo")} of these ${inUse.length === 1 ? "is" : "are"} ` +
                          `used on pages:\n${lines}\n\nDelete anyway? Those pages will show a ` +
                          "broken image.")) return null;
      return S.postJSON(bar.dataset.url, {...body, force: true});
    }
  }

  /** The API's refusals by part and field ({set: {credit: [...]}, append: [...]}), in words:
   * "Set credit: At most 255 characters." */
  function fieldMessages(fields) {
    const lines = [];
    const walk = (value, path) => {
      if (Array.isArray(value)) {
        const where = path.join(" ").replace(/_/g, " ");
        lines.push(where ? `${where[0].toUpperCase()}${where.slice(1)}: ${value.join(" ")}`
          : value.join(" "));
      } else if (value && typeof value === "object") {
        Object.entries(value).forEach(([k, v]) => walk(v, k === "non_field_errors" ? path : [...path, k]));
      }
    };
    walk(fields || {}, []);
    return lines.join(" ");
  }

  /** Read the tiles again (titles, status) and the count matching, keeping the selection. */
  async function refreshGrid() {
    const doc = await S.fetchDocument(location.href);
    const fresh = doc && doc.querySelector(".grid");
    if (!fresh) {
      if (doc) location.reload();  // nothing matches any more: the page says so
      return;
    }
    const freshBar = doc.getElementById("bulk");
    if (freshBar) {
      total = Number(freshBar.dataset.total) || 0;
      $("bulk-all").textContent = freshBar.querySelector("#bulk-all").textContent;
    }
    const keep = new Set(picked());
    const anchor = state.anchor && state.anchor.value;
    grid().replaceChildren(...[...fresh.children].map((el) => document.importNode(el, true)));
    boxes().forEach((box) => { box.checked = state.allMatching || keep.has(box.value); });
    state.anchor = boxes().find((box) => box.value === anchor) || null;
    if (S.followTiles) S.followTiles(grid());
    update();
  }

  grid().addEventListener("click", onGridClick);
  grid().addEventListener("keydown", (event) => {
    if (event.key === " " && event.target.matches("input.pick")) state.shiftSpace = event.shiftKey;
  });
  $("bulk-all").addEventListener("click", selectAll);
  $("bulk-clear").addEventListener("click", clear);
  form.addEventListener("submit", apply);
  if ($("bulk-trash")) $("bulk-trash").addEventListener("click", trashSelected);
  if ($("bulk-download")) $("bulk-download").addEventListener("click", downloadSelected);
  update();
})();
