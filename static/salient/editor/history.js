/* The history list: reverting one change, then following the renditions it remakes
 * (a review mark remakes none, so only the page is read again; a metadata change remakes
 * them all when it touched what they carry, and is put back in the form).
 */
import {cards, followers, state} from "./state.js";
import {getAsset, postRevert} from "./api.js";
import {act} from "./feedback.js";
import {refreshAll, regenerate} from "./regenerate.js";
import {fillMetadata} from "./metadata.js";

export async function revert(button) {
  button.disabled = true;
  const work = revertPost(button, performance.now());
  await act(work);
  button.disabled = false;
}

async function revertPost(button, started) {
  const item = button.closest("li[data-kind]");
  const kind = item.dataset.kind;
  await postRevert(button.dataset.url);
  if (kind === "file") {  // another file: every rendition, the photo and its size change
    window.location.reload();
    return;
  }
  if (kind === "metadata") {
    await revertedMetadata(started);
    return;
  }
  if (kind === "review") {
    await refreshAll();
    return;
  }
  const expected = kind === "crop" ? [item.dataset.profile] : followers();
  if (kind === "focal") state.saved = null;  // take the restored point from the server
  regenerate(expected, started, "Change reverted");
}

async function revertedMetadata(started) {
  const asset = await getAsset();
  fillMetadata(asset);
  if (asset.progress.done) await refreshAll();
  else regenerate([...cards.keys()], started, "Metadata reverted");
}
