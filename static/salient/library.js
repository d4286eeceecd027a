/* Library: tiles of assets still being processed update on their own; each shows the
 * rendition of the library's thumbnail profile (DAM["LIBRARY_THUMBNAIL"]) once it is made.
 * Salient.followTiles(grid) does it again for tiles the page has put in anew (bulk.js). */
(function () {
  "use strict";
  const S = window.Salient;
  const grid = document.querySelector(".grid[data-thumb-profile]");
  const thumbProfile = grid ? grid.dataset.thumbProfile : "";

  function update(tile, data) {
    tile.dataset.status = data.status;
    S.setStatus(tile.querySelector(".status"), data.status);
    const count = tile.querySelector("small");
    if (count) count.textContent = `${data.width}×${data.height} · ${data.progress.renditions} renditions`;
    const thumb = data.renditions[thumbProfile];
    const placeholder = tile.querySelector(".placeholder");
    if (placeholder && thumb && data.progress.done) {
      const img = document.createElement("img");
      img.src = thumb.file_url;
      img.alt = data.alt_text || data.title;
      img.width = thumb.width;
      img.height = thumb.height;
      placeholder.replaceWith(img);
    } else if (placeholder) {
      placeholder.textContent = S.STATUS_LABELS[data.status] || data.status;
    }
  }

  function followTiles(container) {
    [...container.querySelectorAll(".tile[data-api]")]
      .filter((tile) => ["queued", "processing"].includes(tile.dataset.status))
      .forEach((tile) => {
        S.watchAsset(tile.dataset.api, (data) => update(tile, data), {interval: 2000})
          .catch(() => { /* the next page load shows the state */ });
      });
  }

  if (grid) followTiles(grid);
  S.followTiles = followTiles;
})();
