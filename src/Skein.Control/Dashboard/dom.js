// Building DOM without HTML strings: API data always lands as text.

export const $ = (id) => document.getElementById(id);

/** Builds an element; strings become text nodes, so API data is never parsed as HTML. */
export function h(tag, attrs, ...children) {
  const svg = ["svg", "path", "polyline", "line", "rect", "circle", "text", "g"].includes(tag);
  const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.setAttribute("class", value);
    else if (key === "dataset") Object.entries(value).forEach(([k, v]) => { if (v !== undefined && v !== null) el.dataset[k] = String(v); });
    else if (key === "style") el.style.cssText = value; // CSSOM, which the page's CSP allows (style attributes it does not)
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const ICONS = {
  mutual_tls: { title: "Mutual TLS", paths: ["M7 11V8a5 5 0 0 1 10 0v3", "M5 11h14v10H5z"], cls: "icon-mtls" },
  plaintext: { title: "Plaintext", paths: ["M12 3 2 21h20L12 3z", "M12 10v5", "M12 18v.5"], cls: "icon-plain" },
  mixed: { title: "Mixed: some connections in plaintext", paths: ["M7 11V8a5 5 0 0 1 10 0", "M5 11h14v10H5z", "M12 14v3"], cls: "icon-mixed" },
};

export function icon(kind) {
  const spec = ICONS[kind];
  if (!spec) return null;
  return h("svg", { viewBox: "0 0 24 24", width: 14, height: 14, class: `svg-icon ${spec.cls}`, role: "img", "aria-label": spec.title },
    h("title", {}, spec.title), ...spec.paths.map((d) => h("path", { d })));
}

export function setBadge(id, text, level) {
  const badge = $(id);
  badge.textContent = text;
  badge.dataset.level = level ?? "";
}
