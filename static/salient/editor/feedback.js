/* What the editor tells the user and lets them press: the error line, the progress
 * bar, the focal buttons' locks, and act(), which runs one server action with them locked.
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

/** Run one server action with the buttons locked; errors are shown, not thrown. */
export async function act(action) {
  state.busy = true;
  updateButtons();
  try {
    showError(null);
    await action();
  } catch (error) {
    showError(error);
  } finally {
    state.busy = false;
    updateButtons();
  }
}
