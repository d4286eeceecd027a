/* The Metadata form (editors): one PATCH of the fields that changed, each refusal shown
 * next to its field; when a field the renditions carry changed, the API has queued them
 * again and the progress bar follows them as after a focal point.
 */
import {$, cards} from "./state.js";
import {patchAsset} from "./api.js";
import {refreshFragments, regenerate} from "./regenerate.js";

const form = $("metadata-form");
const keywordsBox = () => $("md-keywords").closest("[data-tag-input]").tags;
let saved = {};  // field -> its value as last saved, to send only what changed

function fields() {
  return [...form.elements].filter((el) => el.name);
}

function values() {
  const out = Object.fromEntries(fields().map((el) => [el.name, sent(el)]));
  out.keywords = keywordsBox().values;
  return out;
}

// Rights dates: datetime-local inputs in the browser's time zone, sent and received
// as ISO 8601 (the API stores UTC); the licence select's "" is none (null).
const isMoment = (el) => el.type === "datetime-local";
const pad = (n) => String(n).padStart(2, "0");

function localInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function sent(el) {
  if (isMoment(el)) return el.value ? new Date(el.value).toISOString().replace(".000Z", "Z") : null;
  if (el.name === "licence") return el.value || null;
  return el.value;
}

function shown(el, value) {
  if (isMoment(el)) return localInput(value);
  if (el.name === "collection") return String(value?.id ?? "");
  return value ?? "";
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function changes() {
  return Object.fromEntries(Object.entries(values()).filter(([k, v]) => !same(v, saved[k])));
}

/** Show the asset's values (its API JSON) in the form; they become the saved state. */
export function fillMetadata(asset) {
  if (!form) return;
  // the collection comes as {id, name}; the form's select holds its id
  fields().forEach((el) => { el.value = shown(el, asset[el.name]); });
  keywordsBox().set(asset.keywords || []);
  saved = values();
  markDirty();
  const title = $("asset-title");
  if (title && asset.title) title.textContent = asset.title;
}

function say(text, kind = "") {
  const status = $("metadata-status");
  status.textContent = text;
  status.className = `form-status ${kind}`.trim();
}

function showErrors(errors) {
  form.querySelectorAll("[data-field]").forEach((box) => {
    const messages = errors[box.dataset.field];
    const line = box.querySelector(".field-error");
    const control = box.querySelector("input[id^=md-], textarea, select");
    line.textContent = messages ? [].concat(messages).join(" ") : "";
    line.hidden = !messages;
    if (messages) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  });
  const first = form.querySelector("[aria-invalid=true]");
  if (first) first.focus();
  return Boolean(first);
}

function markDirty() {
  const dirty = Object.keys(changes()).length > 0;
  form.classList.toggle("dirty", dirty);
  $("metadata-discard").disabled = !dirty;
}

const labelOf = (name) => form.querySelector(`label[for=md-${name}]`).textContent.trim();

async function save(event) {
  event.preventDefault();
  keywordsBox().commit();
  const body = changes();
  showErrors({});
  if (!Object.keys(body).length) {
    say("Nothing has changed.");
    return;
  }
  const started = performance.now();
  $("metadata-save").disabled = true;
  form.dataset.state = "saving";
  say("Saving…");
  let asset;
  try {
    asset = await patchAsset(body);
  } catch (error) {
    const marked = showErrors(error.fields || {});
    say(marked ? "Not saved: see the fields marked below." : error.message, "error");
    form.dataset.state = "error";
    return;
  } finally {
    $("metadata-save").disabled = false;
  }
  fillMetadata(asset);
  followSave(asset, Object.keys(body).map(labelOf), started);
}

/** Say what was saved; follow the renditions when the metadata they carry changed. */
async function followSave(asset, labels, started) {
  const follows = !asset.progress.done;
  say(`Saved: ${labels.join(", ")}.` + (follows ? " The renditions will follow with it." : ""), "ok");
  form.dataset.state = "saved";
  if (follows) await regenerate([...cards.keys()], started, "Metadata saved");
  else await refreshFragments();
}

function discard() {
  fields().forEach((el) => { el.value = isMoment(el) ? localInput(saved[el.name]) : saved[el.name] ?? ""; });
  keywordsBox().set(saved.keywords);
  showErrors({});
  say("");
  markDirty();
}

export function wireMetadata() {
  if (!form) return;
  form.querySelectorAll("[data-moment]").forEach((el) => { el.value = localInput(el.dataset.utc); });
  form.querySelectorAll("[data-zone]").forEach((el) => {
    el.textContent = Intl.DateTimeFormat().resolvedOptions().timeZone;
  });
  saved = values();
  markDirty();
  form.addEventListener("submit", save);
  form.addEventListener("input", markDirty);
  form.addEventListener("tags-change", markDirty);
  $("metadata-discard").addEventListener("click", discard);
}
