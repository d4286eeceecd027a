/* Crop-box geometry for the editor, pure functions on normalised boxes.
 *
 * A box is [x0, y0, x1, y1], normalised 0-1 of the oriented photo. A profile's
 * aspect a (pixel width / height) becomes, in normalised units, height = width * k
 * with k = photoWidth / (a * photoHeight): see aspectFactor.
 */
(function () {
  "use strict";
  const MIN_SIDE = 0.04;  // smallest box width, normalised

  const clamp = (v, lo = 0, hi = 1) => Math.min(hi, Math.max(lo, v));

  /** k such that a box of normalised width w has normalised height w * k. */
  function aspectFactor(aspect, photoWidth, photoHeight) {
    return photoWidth / (aspect * photoHeight);
  }

  /** The box moved to start at (nx, ny), kept inside the photo. */
  function moveBox([x0, y0, x1, y1], nx, ny) {
    const w = x1 - x0;
    const h = y1 - y0;
    nx = clamp(nx, 0, 1 - w);
    ny = clamp(ny, 0, 1 - h);
    return [nx, ny, nx + w, ny + h];
  }

  /** A box with one corner at ``anchor`` reaching toward ``point``, height = width * k,
   * as large as covers the point and fits the photo; null when no box fits. */
  function resizeFrom([ax, ay], [px, py], k) {
    const sx = px >= ax ? 1 : -1;
    const sy = py >= ay ? 1 : -1;
    const room = Math.min(sx > 0 ? 1 - ax : ax, (sy > 0 ? 1 - ay : ay) / k);
    const wanted = Math.max(Math.abs(px - ax), Math.abs(py - ay) / k, MIN_SIDE);
    const w = Math.min(wanted, room);
    if (w < 0.005) return null;
    const h = w * k;
    const x0 = sx > 0 ? ax : ax - w;
    const y0 = sy > 0 ? ay : ay - h;
    return [x0, y0, x0 + w, y0 + h];
  }

  /** The box grown (dw > 0) or shrunk by dw of the width around its centre, inside the photo. */
  function growBox([x0, y0, x1, y1], dw, k) {
    const largest = Math.min(1, 1 / k);
    const w = clamp(x1 - x0 + dw, Math.min(MIN_SIDE, largest), largest);
    const h = w * k;
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    return moveBox([0, 0, w, h], cx - w / 2, cy - h / 2);
  }

  window.Salient = window.Salient || {};
  window.Salient.geometry = {MIN_SIDE, clamp, aspectFactor, moveBox, resizeFrom, growBox};
})();
