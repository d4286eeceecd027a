// <salient-img>: an image that crops itself to its CSS box, planned in the browser
// with the engine's rules (renditions/engine/planning.py) from the asset's compact
// summary (renditions/engine/summary.py). No dependencies. README: "Any box: <salient-img>".
//
// Coordinates: boxes are px of the oriented original, [x0, y0, x1, y1], x1/y1
// exclusive, as in the engine; data-crop gives them as 0-1 fractions.

const FACE_KEEP = 0.9;
const CENTRE_PULL = 1e-7;

// Python's round(): halves to even (np.round too).
const rnd = (x) => {
  const f = Math.floor(x), d = x - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : (f % 2 === 0 ? f : f + 1);
};
const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);

// Cumulative mass from base64 24-bit steps (summary.encode_marginal), ending at 1.
export function decodeMarginal(text) {
  const bin = atob(text), out = [0];
  for (let i = 0; i < bin.length; i += 3) {
    const step = bin.charCodeAt(i) | (bin.charCodeAt(i + 1) << 8) | (bin.charCodeAt(i + 2) << 16);
    out.push(out[out.length - 1] + step);
  }
  const total = Math.max(out[out.length - 1], 1);
  return out.map((v) => v / total);
}

// grid.interp_axis on a 1-D table at fractional index c.
function interp(table, c) {
  const n = table.length;
  c = clamp(c, 0, n - 1);
  const lo = Math.min(Math.floor(c), Math.max(n - 2, 0)), frac = c - lo;
  const hi = Math.min(lo + 1, n - 1);
  return table[lo] * (1 - frac) + table[hi] * frac;
}

// sizing.box_size: integer (w, h) of ratio a:b, scale times the largest that fits.
function closest(side, factor, error) {
  const exact = side * factor;
  const opts = [...new Set([Math.max(1, Math.floor(exact)), Math.max(1, Math.ceil(exact))])]
    .sort((p, q) => p - q);
  return opts.reduce((best, o) => (error(o) < error(best) ? o : best));
}
export function boxSize(a, b, W, H, scale = 1) {
  if (a * H >= b * W) {
    const w = Math.min(W, Math.max(1, rnd(W * scale)));
    return [w, Math.min(H, closest(w, b / a, (h) => Math.abs(w / h - a / b)))];
  }
  const h = Math.min(H, Math.max(1, rnd(H * scale)));
  return [Math.min(W, closest(h, a / b, (w) => Math.abs(w / h - a / b))), h];
}

function place(x, y, w, h, W, H) {
  const x0 = Math.min(Math.max(rnd(x), 0), W - w), y0 = Math.min(Math.max(rnd(y), 0), H - h);
  return [x0, y0, x0 + w, y0 + h];
}

// planning._editor_box: an editor's normalised box snapped to a:b around its centre.
function editorBox(box, a, b, W, H) {
  const x0 = box[0] * W, y0 = box[1] * H, x1 = box[2] * W, y1 = box[3] * H;
  const h = Math.sqrt(Math.max(x1 - x0, 1) * Math.max(y1 - y0, 1) * b / a);
  let scale = Math.min(1, h / boxSize(a, b, W, H, 1)[1]);
  if (a * H >= b * W) scale = Math.min(1, h * a / b / W);
  const [w, hh] = boxSize(a, b, W, H, scale);
  return place((x0 + x1) / 2 - w / 2, (y0 + y1) / 2 - hh / 2, w, hh, W, H);
}

// planning._candidates without a focal point: box starts (px) along one axis.
function candidates(length, span, cpp, faces, axis) {
  const cells = rnd(length * cpp), starts = [(length - span) / 2];
  for (let i = 0; i <= cells; i++) {
    const e = rnd(i / cpp);
    starts.push(e, e - span);
  }
  for (const f of faces) {
    const lo = f[axis], hi = f[axis + 2];
    starts.push(lo, hi, lo - span, hi - span);
  }
  const high = length - span;
  return [...new Set(starts.map((s) => clamp(rnd(s), 0, high)))].sort((p, q) => p - q);
}

const overlap = (x, y, w, h, f) =>
  Math.max(0, Math.min(x + w, f[2]) - Math.max(x, f[0]))
  * Math.max(0, Math.min(y + h, f[3]) - Math.max(y, f[1]));
const cuts = (x, y, w, h, f) => {
  const o = overlap(x, y, w, h, f);
  return o > 0 && o < FACE_KEEP * (f[2] - f[0]) * (f[3] - f[1]);
};

// planning._best_box for the largest box of an aspect (it spans a whole side, so
// the marginals give its mass exactly), faces spared largest first.
function bestBox(s, w, h) {
  const [W, H] = s.size, faces = s.faces;
  const sx = (s.cx.length - 1) / W, sy = (s.cy.length - 1) / H;
  const xs = candidates(W, w, sx, faces, 0), ys = candidates(H, h, sy, faces, 1);
  const mass = (x, y) => (h >= H ? interp(s.cx, (x + w) * sx) - interp(s.cx, x * sx)
    : interp(s.cy, (y + h) * sy) - interp(s.cy, y * sy));
  let allowed = ys.map(() => xs.map(() => true));
  for (const f of faces) {
    const fw = f[2] - f[0], fh = f[3] - f[1];
    if (Math.min(fw, w) * Math.min(fh, h) < FACE_KEEP * fw * fh) continue;
    const keeps = ys.map((y, r) => xs.map((x, c) => allowed[r][c] && !cuts(x, y, w, h, f)));
    if (keeps.some((row) => row.includes(true))) allowed = keeps;
  }
  let best = -Infinity, at = [xs[0], ys[0]];
  ys.forEach((y, r) => xs.forEach((x, c) => {
    if (!allowed[r][c]) return;
    const dx = ((x + w / 2 - W / 2) / (w / 2)) ** 2, dy = ((y + h / 2 - H / 2) / (h / 2)) ** 2;
    const score = mass(x, y) - CENTRE_PULL * (dy + dx);
    if (score > best) { best = score; at = [x, y]; }
  }));
  return [at[0], at[1], at[0] + w, at[1] + h];
}

// The crop (px of the original) for a box of aspect a:b: an editor's crop of the
// same aspect (within 1 %) wins, then an editor's focal point (centred), else the
// box of most saliency that cuts no face it can spare (as pipeline.Planner.plan).
export function plan(summary, a, b) {
  const s = summary.cx ? summary : prepare(summary);
  const [W, H] = s.size;
  for (const c of s.crops || []) {
    const same = Math.abs(c.aspect[0] / c.aspect[1] * b / a - 1) <= 0.01;
    if (same) return editorBox(c.box, a, b, W, H);
  }
  const [w, h] = boxSize(a, b, W, H, 1);
  const f = s.focal;
  if (f && f.origin === "editor") {
    const fx = clamp(f.x * W, 0, W - 0.5), fy = clamp(f.y * H, 0, H - 0.5);
    return place(fx - w / 2, fy - h / 2, w, h, W, H);
  }
  return bestBox(s, w, h);
}

export function prepare(summary) {
  return { ...summary, cx: decodeMarginal(summary.cols), cy: decodeMarginal(summary.rows) };
}

const SHEET = `:host{display:inline-block;position:relative;overflow:hidden;max-width:100%;
vertical-align:bottom}
img{position:absolute;max-width:none;max-height:none;margin:0;border:0;padding:0}
::slotted(img){width:100%;height:100%;object-fit:cover}
:host([hidden]){display:none}`;

// The element. Attributes: src (the asset JSON's URL), summary (its "element"
// object inline, no fetch), alt, width/height (px, as on an <img>).
export class SalientImg extends HTMLElement {
  static observedAttributes = ["src", "summary", "alt", "width", "height"];

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    this._sheet = new CSSStyleSheet();
    const base = new CSSStyleSheet();
    base.replaceSync(SHEET);
    root.adoptedStyleSheets = [base, this._sheet];
    this._img = document.createElement("img");
    this._img.setAttribute("part", "image");
    this._img.decoding = "async";
    this._img.hidden = true;
    // The fallback <img> child shows until a crop is planned (and stays if none can be).
    this._slot = document.createElement("slot");
    root.append(this._slot, this._img);
    this._frame = null;
    this._observer = new ResizeObserver(() => this._layout());
  }

  connectedCallback() { this._observer.observe(this); this._load(); }
  disconnectedCallback() { this._observer.disconnect(); }

  attributeChangedCallback(name) {
    if (name === "alt") this._img.alt = this.getAttribute("alt") || "";
    else if (this.isConnected) this._load();
  }

  async _load() {
    this._img.alt = this.getAttribute("alt") || "";
    const inline = this.getAttribute("summary"), src = this.getAttribute("src");
    let data = null;
    try {
      if (inline) data = JSON.parse(inline);
      else if (src) {
        this._key = src;
        const answer = await fetch(src, { headers: { Accept: "application/json" } });
        if (this._key !== src) return;
        data = answer.ok ? (await answer.json()).element : null;
      }
    } catch (error) {
      console.warn("salient-img: no summary", error);
    }
    if (!data) return;
    this._data = { ...data, summary: prepare(data.summary) };
    this._frame = null;
    this._size();
    this._layout();
  }

  // Intrinsic size, as an <img> has: the width/height attributes, else the
  // original's aspect; outer CSS overrides both (":host" rules lose to it).
  _size() {
    const [W, H] = this._data.summary.size;
    const w = this.getAttribute("width"), h = this.getAttribute("height");
    const rules = [`aspect-ratio:${w && h ? `${w}/${h}` : `${W}/${H}`}`];
    if (w) rules.push(`width:${parseFloat(w)}px`);
    if (h && !w) rules.push(`height:${parseFloat(h)}px`);
    if (!w && !h) rules.push(`width:${W}px`);
    this._sheet.replaceSync(`:host{${rules.join(";")}}`);
  }

  _layout() {
    const d = this._data;
    if (!d) return;
    const bw = this.clientWidth, bh = this.clientHeight;
    if (bw < 1 || bh < 1) return;
    const s = d.summary, [W, H] = s.size;
    const crop = plan(s, Math.max(1, Math.round(bw)), Math.max(1, Math.round(bh)));
    const [x0, y0, x1, y1] = crop, cw = x1 - x0, ch = y1 - y0;
    this.dataset.crop = [x0 / W, y0 / H, x1 / W, y1 / H].map((v) => +v.toFixed(6)).join(" ");
    const frame = this._pick(crop, bw * (window.devicePixelRatio || 1));
    if (!frame) return;
    const [fx0, fy0, fx1, fy1] = frame.box, kx = bw / cw, ky = bh / ch;
    Object.assign(this._img.style, {
      left: `${(fx0 - x0) * kx}px`, top: `${(fy0 - y0) * ky}px`,
      width: `${(fx1 - fx0) * kx}px`, height: `${(fy1 - fy0) * ky}px`,
    });
    if (this._img.getAttribute("src") !== frame.url) this._img.src = frame.url;
    this._img.hidden = false;
    this._slot.hidden = true;
  }

  // The smallest frame of the ladder that holds the crop with enough pixels for
  // `need` device px across; never a smaller one than already shown (no refetch).
  _pick(crop, need) {
    // (a pixel of the original short is a rounding of the frame's aspect: let it go)
    const holds = this._data.frames.filter((f) => f.box[0] <= crop[0] + 1
      && f.box[1] <= crop[1] + 1 && f.box[2] >= crop[2] - 1 && f.box[3] >= crop[3] - 1);
    const ladder = holds.length ? holds : this._data.frames;
    const sharp = (f) => (crop[2] - crop[0]) * f.width / (f.box[2] - f.box[0]);
    let pick = ladder.find((f) => sharp(f) >= need) || ladder[ladder.length - 1];
    const shown = this._frame;
    if (shown && ladder.includes(shown) && shown.width > pick.width) pick = shown;
    this._frame = pick;
    return pick;
  }
}

if (!customElements.get("salient-img")) customElements.define("salient-img", SalientImg);
