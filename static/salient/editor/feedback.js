/* What the editor tells the user and lets them press: the error line, the progress
 * bar, the focal buttons' locks, and act(), which waits for one server action with them locked.
 */
import {$, isDirty, state} from "./state.js";

export function showError(error) {
  const el = $("editor-error");
  el.textContent = error ? (error.message || String(error)) : "";
  el.hidden = !error;
}

export function showProgress(done, total, text, finished = false) {
  $("progress").hidden = false;
  $("progress").classList.toggle("finished", finished);
  const bar = $("progress-bar");
  bar.max = Math.max(total, 1);
  bar.value = finished ? bar.max : done;
  $("progress-text").textContent = text;
}

export function updateButtons() {
  const save = $("focal-save");
  if (!save) return;
  save.disabled = !isDirty() || state.busy || Boolean(state.adjust);
  $("focal-undo").disabled = !isDirty() || state.busy;
  $("focal-reset").disabled = state.busy || !state.saved || Boolean(state.adjust)
    || (state.origin === "auto" && !isDirty());
}

/** Wait for ``work`` (the promise of one server action) with the buttons locked; its
 * error is shown, not thrown. Callers hand over a promise, not a callback, so nothing
 * here calls back up into the modules above. */
export async function act(work) {
  state.busy = true;
  updateButtons();
  showError(null);
  try {
    await work;
  } catch (error) {
    showError(error);
  } finally {
    state.busy = false;
    updateButtons();
  }
}
