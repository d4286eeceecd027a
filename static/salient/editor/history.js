/* The history list: reverting one change, then following the renditions it remakes
 * (a review mark remakes none, so only the page is read again).
 */
import {followers, state} from "./state.js";
import {postRevert} from "./api.js";
import {act} from "./feedback.js";
import {refreshAll, regenerate} from "./regenerate.js";

export async function revert(button) {
  button.disabled = true;
  const work = revertPost(button, performance.now());
  await act(work);
  button.disabled = false;
}

async function revertPost(button, started) {
  const item = button.closest("li");
  const kind = item.dataset.kind;
  await postRevert(button.dataset.url);
  if (kind === "review") {
    await refreshAll();
    return;
  }
  const expected = kind === "crop" ? [item.dataset.profile] : followers();
  if (kind === "focal") state.saved = null;  // take the restored point from the server
  regenerate(expected, started, "Change reverted");
}
