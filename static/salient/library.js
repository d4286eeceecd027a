/* Library: tiles of assets still being processed update on their own. */
(function () {
  "use strict";
  const S = window.Salient;
  const busy = [...document.querySelectorAll(".tile[data-api]")]
    .filter((tile) => ["queued", "processing"].includes(tile.dataset.status));

  function update(tile, data) {
    tile.dataset.status = data.status;
    S.setStatus(tile.querySelector(".status"), data.status);
    const count = tile.querySelector("small");
    if (count) count.textContent = `${data.width}×${data.height} · ${data.progress.renditions} renditions`;
    const thumb = data.renditions.thumb;
    const placeholder = tile.querySelector(".placeholder");
    if (placeholder && thumb && data.progress.done) {
      const img = document.createElement("img");
      img.src = thumb.file_url;
      img.alt = data.alt_text || data.title;
      img.width = 200;
      img.height = 200;
      placeholder.replaceWith(img);
    } else if (placeholder) {
      placeholder.textContent = S.STATUS_LABELS[data.status] || data.status;
    }
  }

  busy.forEach((tile) => {
    S.watchAsset(tile.dataset.api, (data) => update(tile, data), {interval: 2000})
      .catch(() => { /* the next page load shows the state */ });
  });
})();
