/* Keywords as tags: chips with a remove button, typed into a combobox that suggests
 * keywords already in the library (GET data-suggest?q=prefix, debounced).
 *
 * Markup (templates/dam/_tag_input.html): [data-tag-input] holding ul.chips (its
 * li[data-tag] are the starting tags), an input[role=combobox] and a ul[role=listbox].
 * Enter or comma adds what is typed (or the highlighted suggestion), Backspace in the
 * empty field removes the last tag, the arrow keys move through the suggestions, Escape
 * closes them. Each box gets el.tags = {values, set(list), commit()}; a change fires
 * "tags-change" on it.
 */
(function () {
  "use strict";
  const S = window.Salient;
  const DEBOUNCE = 150;  // ms of quiet typing before asking for suggestions
  const LIMIT = 20;

  const clean = (text) => text.replace(/,/g, " ").replace(/\s+/g, " ").trim();
  const fold = (text) => text.toLocaleLowerCase();

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function tagInput(root) {
    const input = root.querySelector("input[role=combobox]");
    const chips = root.querySelector(".chips");
    const list = root.querySelector("[role=listbox]");
    const live = root.querySelector("[aria-live]");
    const tags = [...chips.querySelectorAll("[data-tag]")].map((li) => li.dataset.tag);
    const menu = {options: [], active: -1, timer: 0, asked: 0};

    const has = (tag) => tags.some((t) => fold(t) === fold(tag));

    function render(changed = true) {
      chips.replaceChildren(...tags.map(chip));
      if (changed) root.dispatchEvent(new CustomEvent("tags-change", {bubbles: true}));
    }

    function chip(tag) {
      const li = element("li", "chip");
      li.dataset.tag = tag;
      const remove = element("button", "chip-remove", "×");
      remove.type = "button";
      remove.setAttribute("aria-label", `Remove ${tag}`);
      remove.addEventListener("click", () => { drop(tag); input.focus(); });
      li.append(element("span", "chip-text", tag), remove);
      return li;
    }

    function add(text) {
      const tag = clean(text);
      input.value = "";
      close();
      if (!tag || has(tag)) return;
      tags.push(tag);
      render();
      announce(`${tag} added`);
    }

    function drop(tag) {
      const i = tags.indexOf(tag);
      if (i < 0) return;
      tags.splice(i, 1);
      render();
      announce(`${tag} removed`);
    }

    function announce(text) {
      if (live) live.textContent = text;
    }

    function close() {
      clearTimeout(menu.timer);
      menu.asked += 1;  // an answer still on its way is stale now
      menu.options = [];
      menu.active = -1;
      list.replaceChildren();
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function suggest() {
      clearTimeout(menu.timer);
      const q = clean(input.value);
      if (!q || !root.dataset.suggest) { close(); return; }
      menu.timer = setTimeout(() => ask(q), DEBOUNCE);
    }

    async function ask(q) {
      const mine = ++menu.asked;
      let data;
      try {
        data = await S.getJSON(`${root.dataset.suggest}?q=${encodeURIComponent(q)}&limit=${LIMIT}`);
      } catch (_) {
        return;  // suggestions are a help: typing still works without them
      }
      if (mine === menu.asked) show(data.results.filter((r) => !has(r.name)));
    }

    function show(results) {
      menu.options = results;
      menu.active = -1;
      list.replaceChildren(...results.map(option));
      list.hidden = !results.length;
      input.setAttribute("aria-expanded", String(!list.hidden));
      input.removeAttribute("aria-activedescendant");
      announce(results.length ? `${results.length} suggestions; arrow keys to choose` : "");
    }

    function option(result, i) {
      const li = element("li", "option");
      li.id = `${list.id}-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.value = result.name;
      li.setAttribute("aria-label", `${result.name}, on ${result.count} ${result.count === 1 ? "asset" : "assets"}`);
      li.append(element("span", "", result.name), element("span", "count", String(result.count)));
      li.addEventListener("mousedown", (event) => event.preventDefault());  // keep the focus
      li.addEventListener("click", () => { add(result.name); input.focus(); });
      return li;
    }

    function move(step) {
      const count = menu.options.length;
      if (!count) return;
      // count + 1 places: each suggestion, and -1 (none, back to what was typed)
      menu.active = (menu.active + 1 + step + count + 1) % (count + 1) - 1;
      [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === menu.active)));
      const current = list.children[menu.active];
      if (current) {
        input.setAttribute("aria-activedescendant", current.id);
        current.scrollIntoView({block: "nearest"});
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function onKey(event) {
      const typed = input.value;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!menu.options.length) return;
        event.preventDefault();
        move(event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Enter" || event.key === ",") {
        const chosen = menu.options[menu.active];
        if (!chosen && !clean(typed)) return;  // Enter in an empty box submits the form
        event.preventDefault();
        add(chosen ? chosen.name : typed);
      } else if (event.key === "Backspace" && !typed && tags.length) {
        drop(tags[tags.length - 1]);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        event.stopPropagation();
        close();
      }
    }

    function onInput() {
      if (input.value.includes(",")) {  // pasted "a, b, c": all but the last become tags
        const parts = input.value.split(",");
        const rest = parts.pop();
        parts.forEach(add);
        input.value = rest.trimStart();
      }
      suggest();
    }

    input.addEventListener("keydown", onKey);
    input.addEventListener("input", onInput);
    input.addEventListener("blur", close);
    chips.addEventListener("click", (event) => {
      if (event.target === chips) input.focus();
    });
    render(false);

    root.tags = {
      get values() { return [...tags]; },
      set(values) { tags.splice(0, tags.length, ...values); render(false); },
      /** Make what is typed but not yet added a tag (before a save). */
      commit() { if (clean(input.value)) add(input.value); },
    };
    return root.tags;
  }

  document.querySelectorAll("[data-tag-input]").forEach(tagInput);
  S.tagInput = tagInput;
})();
