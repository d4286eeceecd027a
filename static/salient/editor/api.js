/* Every request the editor makes, on top of common.js's JSON helpers (which send
 * the CSRF token and turn refusals into Errors a person can act on). Every write goes
 * to the API under /api/, the same endpoints downstream sites call.
 */
import {POLL_INTERVAL, S, cfg} from "./state.js";

export const getAsset = () => S.getJSON(cfg.api);

/** Every profile's plan; with a normalised point, where they would crop if it were saved. */
export function getPlans(point) {
  const url = point ? `${cfg.plans}?x=${point[0].toFixed(4)}&y=${point[1].toFixed(4)}` : cfg.plans;
  return S.getJSON(url);
}

export const postFocal = (body) => S.postJSON(cfg.focalUrl, body);
export const postCrop = (card, body) => S.postJSON(card.el.dataset.cropUrl, body);
export const postReview = (card, review) => S.postJSON(card.el.dataset.reviewUrl, {review});
export const postRevert = (url) => S.postJSON(url, {});
export const postRegenerate = () => S.postJSON(cfg.regenerateUrl, {});
/** Change the asset's metadata: only the fields in ``body``; answers the asset's JSON. */
export const patchAsset = (body) => S.patchJSON(cfg.api, body);

/** Poll the asset until processing is done; resolves null once isCancelled() says so. */
export function watchAsset(onTick, isCancelled) {
  return S.watchAsset(cfg.api, onTick, {interval: POLL_INTERVAL, isCancelled});
}

/** This page as the server renders it now, parsed; null when it cannot be had. */
export const fetchPage = () => S.fetchDocument(location.href);
