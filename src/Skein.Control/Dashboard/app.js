// Skein dashboard: polls the control plane's REST API every 2 s and renders the service graph,
// service detail, configuration errors, certificates and connected proxies.
// Plain modern JS with no build step; Cytoscape.js (vendor/) draws the graph.

const POLL_MS = 2000;
const REQUEST_TIMEOUT_MS = 4000;
const DEGRADED_RATIO = 0.001;
const FAILING_RATIO = 0.05;
const CERT_NEAR_EXPIRY_MS = 60 * 60 * 1000;
const SERIES_BUCKET_MS = 10_000;

const state = {
  window: "5m",
  topology: null,
  proxies: null,
  configErrors: null,
  certificates: null,
  inventory: null, // { version, services, workloads } from /api/v1/resources, refetched when the config version moves
  detail: null, // { id, data } for the selected service's /api/v1/services response
  selectedId: null,
  failures: new Map(), // API path -> message, for the banner
  lastGood: new Map(), // API path -> Date of its last good answer
  lastSuccess: null,
  allFailed: false, // every request of the last poll failed: the control plane is away
  polls: 0,
  structureKey: "",
};

// ---------------------------------------------------------------- DOM helpers

const $ = (id) => document.getElementById(id);

/** Builds an element; strings become text nodes, so API data is never parsed as HTML. */
function h(tag, attrs, ...children) {
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

function icon(kind) {
  const spec = ICONS[kind];
  if (!spec) return null;
  return h("svg", { viewBox: "0 0 24 24", width: 14, height: 14, class: `svg-icon ${spec.cls}`, role: "img", "aria-label": spec.title },
    h("title", {}, spec.title), ...spec.paths.map((d) => h("path", { d })));
}

// ---------------------------------------------------------------- formatting

function fmtRate(v) {
  if (v === undefined || v === null || Number.isNaN(v)) return "–";
  if (v === 0) return "0";
  if (v < 0.1) return v.toFixed(2);
  if (v < 10) return v.toFixed(1);
  return Math.round(v).toString();
}
function fmtMs(v) {
  if (v === undefined || v === null || Number.isNaN(v)) return "–";
  if (v < 1) return `${v.toFixed(2)} ms`;
  if (v < 100) return `${v.toFixed(1)} ms`;
  if (v < 1000) return `${Math.round(v)} ms`;
  return `${(v / 1000).toFixed(v < 10000 ? 2 : 1)} s`;
}
function fmtPct(v) {
  if (v === undefined || v === null || Number.isNaN(v)) return "–";
  if (v === 0) return "0 %";
  const pct = v * 100;
  return `${pct < 0.1 ? pct.toFixed(2) : pct < 10 ? pct.toFixed(1) : Math.round(pct)} %`;
}
function fmtBytes(v) {
  if (!v) return "0 B";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v < 10 && i > 0 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
function fmtDuration(ms) {
  const neg = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400); s -= d * 86400;
  const hh = Math.floor(s / 3600); s -= hh * 3600;
  const mm = Math.floor(s / 60); s -= mm * 60;
  const text = d > 0 ? `${d}d ${hh}h` : hh > 0 ? `${hh}h ${mm}m` : mm > 0 ? `${mm}m ${s}s` : `${s}s`;
  return neg ? `-${text}` : text;
}
function fmtTime(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleTimeString([], { hour12: false });
}
function fmtDateTime(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${d.toLocaleTimeString([], { hour12: false })}`;
}
function healthOf(errorRatio, requests) {
  if (!requests) return "idle";
  if (errorRatio >= FAILING_RATIO) return "failing";
  if (errorRatio > DEGRADED_RATIO) return "degraded";
  return "ok";
}

// ---------------------------------------------------------------- API

async function getJson(path) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: "application/json" }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), cache: "no-store" });
  } catch (e) {
    throw new Error(e.name === "TimeoutError" ? "timed out" : "unreachable");
  }
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  try {
    return await response.json();
  } catch {
    throw new Error("invalid JSON");
  }
}

function detailPath(selected) {
  return `/api/v1/services/${encodeURIComponent(selected.namespace)}/${encodeURIComponent(selected.name)}?window=${encodeURIComponent(state.window)}`;
}

/** Fetches the selected service's detail at once on a click instead of waiting for the next tick. */
async function fetchDetail() {
  const selected = selectedService();
  if (!selected) return;
  const path = detailPath(selected);
  try {
    const data = await getJson(path);
    if (state.selectedId === selected.id) state.detail = { id: selected.id, data };
  } catch (e) {
    state.failures.set(path.split("?")[0], e.message);
    renderBanner();
  }
  renderDetail();
}

async function poll() {
  const win = encodeURIComponent(state.window);
  const selected = selectedService();
  const requests = {
    topology: `/api/v1/topology?window=${win}`,
    proxies: "/api/v1/proxies",
    configErrors: "/api/v1/config-errors",
    certificates: "/api/v1/certificates",
  };
  if (selected) requests.detail = detailPath(selected);

  const keys = Object.keys(requests);
  const results = await Promise.allSettled(keys.map((k) => getJson(requests[k])));
  // The window may have changed while this poll was out (a change polls at once): drop the stale answers.
  const windowMoved = state.window !== decodeURIComponent(win);
  state.failures.clear();
  state.allFailed = results.every((r) => r.status === "rejected");
  results.forEach((result, i) => {
    const key = keys[i];
    const path = requests[key].split("?")[0];
    if (result.status === "fulfilled") {
      state.lastGood.set(path, new Date());
      if (windowMoved && (key === "topology" || key === "detail")) return;
      if (key === "detail") { if (state.selectedId === selected.id) state.detail = { id: selected.id, data: result.value }; }
      else state[key] = result.value;
    } else {
      state.failures.set(path, result.reason?.message ?? "failed");
    }
  });
  if (results.some((r) => r.status === "fulfilled")) state.lastSuccess = new Date();
  await refreshInventory();
  state.polls++;
  render();
}

/**
 * Services and workloads from the configuration: the graph draws which workloads back each service it
 * shows, including ones no traffic has reached yet. Fetched again only when the config version changes.
 */
async function refreshInventory() {
  const version = state.configErrors?.version ?? state.proxies?.configVersion;
  if (version === undefined || state.inventory?.version === version) return;
  try {
    const [services, workloads] = await Promise.all([getJson("/api/v1/resources?kind=Service"), getJson("/api/v1/resources?kind=Workload")]);
    state.inventory = { version, services: services.items ?? [], workloads: workloads.items ?? [] };
  } catch (e) {
    state.failures.set("/api/v1/resources", e.message);
  }
}

/** The workloads a Service selects, as the control plane matches them: same namespace, every selector label equal. */
function membersOf(serviceNode) {
  const inventory = state.inventory;
  if (!inventory) return [];
  const service = inventory.services.find((r) => r.metadata?.namespace === serviceNode.namespace && r.metadata?.name === serviceNode.name);
  const selector = Object.entries(service?.spec?.selector ?? {});
  if (selector.length === 0) return [];
  return inventory.workloads.filter((w) => w.metadata?.namespace === serviceNode.namespace &&
    selector.every(([k, v]) => (w.metadata?.labels ?? {})[k] === v));
}

function schedulePolling() {
  const loop = async () => {
    try {
      await poll();
    } catch (e) {
      // A rendering bug must not stop the polling loop; show it like an API failure.
      state.failures.set("dashboard", e?.message ?? String(e));
      renderBanner();
      console.error(e);
    }
    setTimeout(loop, POLL_MS);
  };
  loop();
}

// ---------------------------------------------------------------- rendering: chrome

function render() {
  renderBanner();
  renderLive();
  renderGraph();
  renderDetail();
  renderConfigErrors();
  renderCertificates();
  renderProxies();
  renderSummary();
  const model = $("graph-model");
  model.dataset.polls = String(state.polls);
  model.dataset.generatedAt = state.topology?.generatedAt ?? "";
  model.dataset.window = state.topology?.window ?? "";
}

function renderBanner() {
  const banner = $("banner");
  if (state.failures.size === 0) {
    banner.hidden = true;
    banner.replaceChildren();
    return;
  }
  const all = state.allFailed;
  const clock = (d) => d.toLocaleTimeString([], { hour12: false });
  const since = all
    ? (state.lastSuccess ? `Showing the data from ${clock(state.lastSuccess)}.` : "No data received yet.")
    : "The rest is live.";
  banner.replaceChildren(
    h("strong", {}, all ? "The control plane API is not answering." : "Some dashboard data could not be refreshed."),
    " ",
    h("span", {}, [...state.failures].map(([path, message]) => {
      const good = state.lastGood.get(path);
      return `${path}: ${message}${all ? "" : good ? ` (last good ${clock(good)})` : " (never answered)"}`;
    }).join(" · ")),
    " ",
    h("span", { class: "banner-since" }, `${since} Retrying every ${POLL_MS / 1000} s.`),
  );
  banner.hidden = false;
}

function renderLive() {
  const live = $("live");
  const ok = state.failures.size === 0;
  const all = state.allFailed;
  live.dataset.state = ok ? "live" : !all ? "partial" : state.lastSuccess ? "stale" : "down";
  const clock = new Date().toLocaleTimeString([], { hour12: false });
  $("live-text").textContent = { live: `live · ${clock}`, partial: `partly live · ${clock}`, stale: "stale", down: "no connection" }[live.dataset.state];
}

function renderSummary() {
  const topo = state.topology;
  const parts = [];
  if (topo && cy) {
    parts.push(`${cy.nodes("[kind = 'service']").length} services`, `${cy.nodes("[kind = 'workload']").length} workloads`);
  }
  if (state.proxies) parts.push(`config v${state.proxies.configVersion}`);
  $("summary").textContent = parts.join(" · ");
}

function setBadge(id, text, level) {
  const badge = $(id);
  badge.textContent = text;
  badge.dataset.level = level ?? "";
}

// ---------------------------------------------------------------- graph

let cy = null;
let labelFrame = 0;

function graphStyle() {
  return [
    { selector: "node", style: {
      "label": "data(label)", "font-family": "system-ui, sans-serif", "font-size": 11, "color": "#1f2933",
      "text-valign": "bottom", "text-halign": "center", "text-margin-y": 5, "text-wrap": "wrap", "text-max-width": 120,
      "background-color": "#ffffff", "border-width": 2, "border-color": "#52606d", "width": 30, "height": 30,
      "text-background-color": "#f4f6f9", "text-background-opacity": 0.85, "text-background-padding": 2, "text-background-shape": "round-rectangle",
    } },
    { selector: "node[kind = 'service']", style: { "shape": "round-rectangle", "width": 44, "height": 28, "background-color": "#dbe9ff", "border-color": "#2f6fdb" } },
    { selector: "node[kind = 'workload']", style: { "shape": "ellipse" } },
    { selector: "node[kind = 'external']", style: { "shape": "diamond", "background-color": "#eceff3", "border-color": "#7b8794", "border-style": "dashed" } },
    { selector: "node[health = 'degraded']", style: { "border-color": "#d98b00", "border-width": 3 } },
    { selector: "node[health = 'failing']", style: { "border-color": "#d64545", "border-width": 3 } },
    { selector: "node[kind = 'namespace']", style: {
      "shape": "round-rectangle", "background-color": "#eef2f7", "background-opacity": 0.6, "border-width": 1, "border-style": "dashed",
      "border-color": "#9aa5b1", "label": "data(label)", "text-valign": "top", "text-halign": "center", "text-margin-y": -4,
      "font-size": 12, "font-weight": 600, "color": "#52606d", "padding": 24, "text-background-opacity": 0,
    } },
    { selector: "edge", style: {
      "curve-style": "bezier", "target-arrow-shape": "triangle", "arrow-scale": 0.9, "width": "data(width)",
      "line-color": "#3f9c5a", "target-arrow-color": "#3f9c5a",
    } },
    { selector: "edge[health = 'degraded']", style: { "line-color": "#e09b00", "target-arrow-color": "#e09b00" } },
    { selector: "edge[health = 'failing']", style: { "line-color": "#d64545", "target-arrow-color": "#d64545" } },
    { selector: "edge[health = 'idle']", style: { "line-color": "#b8c2cc", "target-arrow-color": "#b8c2cc", "line-style": "dashed" } },
    { selector: "edge[mtls = 'plaintext']", style: { "line-style": "dashed", "line-dash-pattern": [8, 4] } },
    { selector: "edge[?member]", style: {
      "line-color": "#9aa5b1", "target-arrow-color": "#9aa5b1", "line-style": "dotted", "width": 1.2, "target-arrow-shape": "vee", "arrow-scale": 0.7,
    } },
    { selector: ":selected", style: { "overlay-color": "#2f6fdb", "overlay-opacity": 0.12, "overlay-padding": 6 } },
    { selector: "node:selected", style: { "border-width": 4 } },
    { selector: ".faded", style: { "opacity": 0.25 } },
  ];
}

function initGraph() {
  if (typeof window.cytoscape !== "function") {
    state.failures.set("graph library", "vendor/cytoscape.min.js did not load");
    return;
  }
  cy = window.cytoscape({
    container: $("graph"),
    style: graphStyle(),
    elements: [],
    minZoom: 0.2,
    maxZoom: 3,
    wheelSensitivity: 0.3,
    boxSelectionEnabled: false,
    autoungrabify: false,
  });
  cy.on("tap", "node", (e) => {
    if (e.target.data("kind") === "namespace") return;
    select(e.target.id());
  });
  cy.on("tap", "edge", (e) => select(e.target.data("member") ? e.target.target().id() : e.target.id()));
  cy.on("tap", (e) => { if (e.target === cy) select(null); });
  cy.on("render", scheduleOverlay);
  new ResizeObserver(() => { cy.resize(); scheduleOverlay(); }).observe($("graph-wrap"));
  $("fit").addEventListener("click", () => fitGraph());
  $("relayout").addEventListener("click", () => runLayout());
}

function nodeLabel(node) {
  if (node.kind === "workload" && node.version && !node.name.endsWith(node.version)) return `${node.name}\n${node.version}`;
  if (node.kind === "external") return node.name || node.id.replace(/^external:/, "");
  return node.name || node.id;
}

/** Turns the topology response into Cytoscape elements: namespaces as compound boxes, edges with derived health and width. */
function graphElements(topo) {
  const nodes = new Map();
  const namespaces = new Set();
  for (const n of topo.nodes ?? []) {
    if (n.namespace && n.kind !== "external") namespaces.add(n.namespace);
    nodes.set(n.id, { ...n });
  }
  // An edge may name a node the aggregator did not list (e.g. a workload seen only as a peer); draw it anyway.
  for (const e of topo.edges ?? []) {
    for (const id of [e.source, e.target]) {
      if (!nodes.has(id)) {
        const [kind, rest] = id.includes(":") ? [id.slice(0, id.indexOf(":")), id.slice(id.indexOf(":") + 1)] : ["external", id];
        const [namespace, name] = rest.includes("/") ? rest.split("/", 2) : [undefined, rest];
        if (namespace) namespaces.add(namespace);
        nodes.set(id, { id, kind, namespace, name });
      }
    }
  }

  const inbound = new Map();
  const maxRps = Math.max(0, ...(topo.edges ?? []).map((e) => e.rps ?? 0));
  const edges = (topo.edges ?? []).map((e) => {
    const agg = inbound.get(e.target) ?? { rps: 0, requests: 0, errors: 0 };
    agg.rps += e.rps ?? 0; agg.requests += e.requests ?? 0; agg.errors += e.errors ?? 0;
    inbound.set(e.target, agg);
    const width = maxRps > 0 ? 1.5 + 3.5 * Math.sqrt((e.rps ?? 0) / maxRps) : 1.5;
    return { group: "edges", data: {
      ...e, id: `edge:${e.source}|${e.target}|${e.protocol ?? ""}`, width, health: healthOf(e.errorRatio ?? 0, e.requests ?? 0),
      lastError: undefined,
    } };
  });

  // Each service leads to the workloads behind it (from config), unless traffic already connects them.
  const members = [];
  for (const n of [...nodes.values()].filter((x) => x.kind === "service")) {
    for (const w of membersOf(n)) {
      const id = `workload:${w.metadata.namespace}/${w.metadata.name}`;
      if (!nodes.has(id)) {
        nodes.set(id, { id, kind: "workload", namespace: w.metadata.namespace, name: w.metadata.name,
          app: w.metadata.labels?.app, version: w.metadata.labels?.version, node: w.spec?.node });
      }
      if (!edges.some((e) => e.data.source === n.id && e.data.target === id)) {
        members.push({ group: "edges", data: { id: `member:${n.id}|${id}`, source: n.id, target: id, member: true, width: 1.2 } });
      }
    }
  }

  const elements = [...namespaces].sort().map((ns) => ({ group: "nodes", data: { id: `namespace:${ns}`, kind: "namespace", label: ns } }));
  for (const n of nodes.values()) {
    const agg = inbound.get(n.id);
    elements.push({ group: "nodes", data: {
      ...n, label: nodeLabel(n), parent: n.namespace && n.kind !== "external" ? `namespace:${n.namespace}` : undefined,
      rpsIn: agg?.rps ?? 0, health: agg ? healthOf(agg.requests ? agg.errors / agg.requests : 0, agg.requests) : "idle",
    } });
  }
  return elements.concat(edges, members);
}

function renderGraph() {
  const topo = state.topology;
  $("graph-empty").hidden = !(topo && (topo.nodes ?? []).length === 0 && (topo.edges ?? []).length === 0);
  if (!cy || !topo) return;

  const elements = graphElements(topo);
  const key = elements.map((e) => `${e.data.id}>${e.data.parent ?? ""}`).sort().join(",");
  cy.batch(() => {
    const wanted = new Set(elements.map((e) => e.data.id));
    cy.elements().filter((el) => !wanted.has(el.id())).remove();
    for (const el of elements) {
      const existing = cy.getElementById(el.data.id);
      if (existing.nonempty() && (existing.data("parent") ?? undefined) === el.data.parent) existing.data(el.data);
      else {
        existing.remove();
        cy.add(el);
      }
    }
  });
  if (key !== state.structureKey) {
    state.structureKey = key;
    runLayout();
  }
  if (state.selectedId && cy.getElementById(state.selectedId).empty()) {
    // The selection left the window; keep the panel (it has the last data) but drop the highlight.
    cy.elements().removeClass("faded");
  } else if (state.selectedId) {
    highlight(state.selectedId);
  }
  scheduleOverlay();
}

function runLayout() {
  if (!cy || cy.elements().empty()) return;
  // cytoscape-dagre registers itself when loaded; fall back to a built-in layout if it did not.
  const dagre = Boolean(window.cytoscape("layout", "dagre"));
  cy.layout(dagre
    ? { name: "dagre", rankDir: "LR", nodeSep: 44, rankSep: 170, edgeSep: 16, padding: 30, animate: false, fit: true }
    : { name: "breadthfirst", directed: true, padding: 30, animate: false, fit: true }).run();
  fitGraph();
}

/** Fits the graph to the view, but never blows a small graph up past a comfortable reading size. */
function fitGraph() {
  cy.fit(undefined, 40);
  if (cy.zoom() > 1.25) {
    cy.zoom(1.25);
    cy.center();
  }
}

function scheduleOverlay() {
  if (labelFrame) return;
  labelFrame = requestAnimationFrame(() => {
    labelFrame = 0;
    renderEdgeLabels();
    renderGraphModel();
  });
}

/** Edge labels are HTML over the canvas: crisp text, real icons for the mTLS state, and clickable. */
function renderEdgeLabels() {
  const layer = $("edge-labels");
  if (!cy) return;
  // Labels shrink with the graph down to a legible minimum; below that only the selection's keep theirs.
  const scale = Math.min(1, Math.max(0.7, cy.zoom()));
  const crowded = cy.zoom() < 0.6;
  const seen = new Set();
  // Labels are placed one by one, the selection's and the busiest first, each at the first spot along its
  // edge that covers neither a node nor a label already placed (crossing edges share a midpoint).
  const taken = cy.nodes().filter((n) => n.data("kind") !== "namespace").map((n) => n.renderedBoundingBox({ includeLabels: true }));
  const focus = (edge) => (state.selectedId && edge.connectedNodes().union(edge).some((el) => el.id() === state.selectedId) ? 1 : 0);
  const ordered = cy.edges("[!member]").toArray().sort((a, b) => focus(b) - focus(a) || (b.data("rps") ?? 0) - (a.data("rps") ?? 0));
  ordered.forEach((edge) => {
    const id = edge.id();
    seen.add(id);
    let label = layer.querySelector(`[data-edge-id="${CSS.escape(id)}"]`);
    if (!label) {
      label = h("button", { type: "button", class: "edge-label", dataset: { edgeId: id }, onclick: () => select(id) });
      layer.append(label);
    }
    const d = edge.data();
    const signature = `${d.rps}|${d.p99Ms}|${d.errorRatio}|${d.mtls}|${d.health}|${d.protocol}`;
    if (label.dataset.signature !== signature) {
      label.dataset.signature = signature;
      label.dataset.health = d.health;
      label.dataset.mtls = d.mtls ?? "";
      const unit = d.protocol === "tcp" ? "cps" : "rps";
      label.replaceChildren(
        icon(d.mtls) ?? "",
        h("span", { class: "el-rate" }, `${fmtRate(d.rps)} ${unit}`),
        d.p99Ms !== undefined && d.p99Ms !== null ? h("span", { class: "el-p99" }, `p99 ${fmtMs(d.p99Ms).replace(" ", "")}`) : "",
        d.errorRatio > 0 ? h("span", { class: "el-err" }, fmtPct(d.errorRatio)) : "",
      );
      label.title = `${d.source} → ${d.target}`;
    }
    const p = labelSpot(edge, label.offsetWidth * scale, label.offsetHeight * scale, taken);
    label.style.transform = `translate(${p.x}px, ${p.y}px) scale(${scale}) translate(-50%, -50%)`;
    label.hidden = crowded && !(state.selectedId && edge.connectedNodes().union(edge).some((el) => el.id() === state.selectedId));
    label.classList.toggle("faded", edge.hasClass("faded"));
    label.classList.toggle("selected", id === state.selectedId);
  });
  for (const label of [...layer.children]) if (!seen.has(label.dataset.edgeId)) label.remove();
}

const LABEL_SPOTS = [0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8];

function labelSpot(edge, w, hgt, taken) {
  const a = edge.renderedSourceEndpoint();
  const b = edge.renderedTargetEndpoint();
  const boxAt = (t) => {
    const x = a.x + (b.x - a.x) * t, y = a.y + (b.y - a.y) * t;
    return { x, y, x1: x - w / 2 - 3, x2: x + w / 2 + 3, y1: y - hgt / 2 - 2, y2: y + hgt / 2 + 2 };
  };
  const overlaps = (box) => taken.some((o) => box.x1 < o.x2 && box.x2 > o.x1 && box.y1 < o.y2 && box.y2 > o.y1);
  const box = LABEL_SPOTS.map(boxAt).find((candidate) => !overlaps(candidate)) ?? boxAt(0.5);
  taken.push(box);
  return box;
}

/** Mirrors the canvas in the DOM (hidden): ids, kinds, live numbers and on-screen positions. */
function renderGraphModel() {
  const model = $("graph-model");
  if (!cy) return;
  const items = [];
  cy.nodes().forEach((node) => {
    const d = node.data();
    if (d.kind === "namespace") return;
    const p = node.renderedPosition();
    items.push(h("span", { class: "model-node", dataset: {
      id: d.id, kind: d.kind, namespace: d.namespace ?? "", name: d.name ?? "", rpsIn: d.rpsIn ?? 0, health: d.health,
      x: Math.round(p.x), y: Math.round(p.y),
    } }, d.label));
  });
  cy.edges("[?member]").forEach((edge) => {
    items.push(h("span", { class: "model-member", dataset: { source: edge.data("source"), target: edge.data("target") } }));
  });
  cy.edges("[!member]").forEach((edge) => {
    const d = edge.data();
    items.push(h("span", { class: "model-edge", dataset: {
      id: d.id, source: d.source, target: d.target, protocol: d.protocol ?? "", rps: d.rps ?? 0, requests: d.requests ?? 0,
      errorRatio: d.errorRatio ?? 0, p99Ms: d.p99Ms ?? "", mtls: d.mtls ?? "", health: d.health,
    } }));
  });
  model.replaceChildren(...items);
}

function select(id) {
  state.selectedId = id;
  if (!$("tab-graph").hidden) updateHash("graph");
  if (!id) {
    cy?.elements().unselect().removeClass("faded");
    state.detail = null;
    renderDetail();
    scheduleOverlay();
    return;
  }
  if (cy) {
    cy.elements().unselect();
    cy.getElementById(id).select();
    highlight(id);
  }
  if (state.detail?.id !== id) state.detail = null;
  renderDetail();
  scheduleOverlay();
  fetchDetail().catch(console.error);
}

function highlight(id) {
  const el = cy.getElementById(id);
  if (el.empty()) return;
  const keep = el.isNode() ? el.closedNeighborhood().union(el.ancestors()) : el.union(el.connectedNodes());
  const withParents = keep.union(keep.nodes().ancestors());
  cy.elements().not(withParents).addClass("faded");
  withParents.removeClass("faded");
}

function selectedService() {
  if (!state.selectedId?.startsWith("service:")) return null;
  const rest = state.selectedId.slice("service:".length);
  const slash = rest.indexOf("/");
  if (slash < 0) return null;
  return { id: state.selectedId, namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
}

// ---------------------------------------------------------------- detail panel

function topologyNode(id) {
  return (state.topology?.nodes ?? []).find((n) => n.id === id);
}
function edgesInto(id) { return (state.topology?.edges ?? []).filter((e) => e.target === id); }
function edgesFrom(id) { return (state.topology?.edges ?? []).filter((e) => e.source === id); }

function aggregate(edges) {
  const requests = edges.reduce((s, e) => s + (e.requests ?? 0), 0);
  const errors = edges.reduce((s, e) => s + (e.errors ?? 0), 0);
  return {
    rps: edges.reduce((s, e) => s + (e.rps ?? 0), 0),
    errorRatio: requests ? errors / requests : 0,
    // Percentiles cannot be merged exactly from per-edge values; the worst edge's p99 is an upper bound.
    p99Ms: edges.length ? Math.max(...edges.map((e) => e.p99Ms ?? 0)) : undefined,
    requests,
  };
}

function renderDetail() {
  const panel = $("detail");
  const id = state.selectedId;
  if (!id) {
    if (!panel.hidden) {
      panel.hidden = true;
      if (cy) { cy.resize(); fitGraph(); }
    }
    delete panel.dataset.id;
    return;
  }
  if (panel.hidden) {
    panel.hidden = false;
    // The graph just lost the panel's width: fit it again, unless that makes it too small to read, in
    // which case keep the zoom and bring the selection to the middle.
    if (cy) {
      const zoom = cy.zoom();
      cy.resize();
      fitGraph();
      const el = cy.getElementById(id);
      if (cy.zoom() < 0.75 && el.nonempty()) {
        cy.zoom(Math.max(zoom, 0.75));
        cy.center(el);
      }
    }
  }
  panel.dataset.id = id;
  const body = $("detail-body");
  if (id.startsWith("edge:")) {
    panel.dataset.kind = "edge";
    body.replaceChildren(...edgeDetail(id));
  } else {
    const node = topologyNode(id) ?? cy?.getElementById(id)?.data() ?? { id, kind: id.split(":")[0], name: id };
    panel.dataset.kind = node.kind;
    body.replaceChildren(...(node.kind === "service" ? serviceDetail(node) : workloadDetail(node)));
  }
}

function kpis(agg) {
  const kpi = (name, label, value, raw, cls) => h("div", { class: `kpi ${cls ?? ""}`, dataset: { metric: name, value: raw ?? "" } },
    h("div", { class: "kpi-value" }, value), h("div", { class: "kpi-label" }, label));
  return h("div", { class: "kpis" },
    kpi("rps", "requests / s", fmtRate(agg.rps), agg.rps),
    kpi("errorRatio", "errors", fmtPct(agg.errorRatio), agg.errorRatio, agg.requests ? healthOf(agg.errorRatio, agg.requests) : ""),
    kpi("p99", "p99 latency", fmtMs(agg.p99Ms), agg.p99Ms));
}

function section(title, ...content) {
  return h("section", { class: "detail-section" }, h("h3", {}, title), ...content);
}

function emptyNote(text) { return h("p", { class: "muted" }, text); }

function trafficTable(edges, direction) {
  if (edges.length === 0) return emptyNote(direction === "in" ? "No inbound traffic in this window." : "No outbound traffic in this window.");
  return h("table", { class: "compact" },
    h("thead", {}, h("tr", {}, h("th", {}, direction === "in" ? "from" : "to"), h("th", { class: "num" }, "rps"), h("th", { class: "num" }, "err"), h("th", { class: "num" }, "p99"), h("th", {}, ""))),
    h("tbody", {}, edges.map((e) => {
      const other = direction === "in" ? e.source : e.target;
      const n = topologyNode(other);
      return h("tr", { class: "clickable", onclick: () => select(`edge:${e.source}|${e.target}|${e.protocol ?? ""}`) },
        h("td", {}, n ? `${n.name}` : other),
        h("td", { class: "num" }, fmtRate(e.rps)),
        h("td", { class: `num health-${healthOf(e.errorRatio ?? 0, e.requests ?? 0)}` }, fmtPct(e.errorRatio)),
        h("td", { class: "num" }, fmtMs(e.p99Ms)),
        h("td", {}, icon(e.mtls) ?? ""));
    })));
}

function header(kindLabel, title, subtitle) {
  return h("header", { class: "detail-header" },
    h("span", { class: `kind-pill kind-${kindLabel.toLowerCase()}` }, kindLabel),
    h("h2", { id: "detail-title" }, title),
    subtitle ? h("div", { class: "muted" }, subtitle) : "");
}

function serviceDetail(node) {
  const detail = state.detail?.id === node.id ? state.detail.data : null;
  const agg = aggregate(edgesInto(node.id));
  const series = completeBuckets(detail?.series ?? []);
  const out = [
    header("Service", node.name, `namespace ${node.namespace ?? "–"}`),
    kpis(agg),
    section(`Golden metrics (${state.window}, 10 s buckets)`,
      series.length === 0 ? emptyNote(detail ? "No requests in this window." : "Loading…") : h("div", { class: "charts" },
        chart("Requests / s", series, (p) => p.rps, fmtRate, "#2f6fdb"),
        // Without requests a bucket has no error ratio or latency: a gap, not a zero.
        chart("Error ratio", series, (p) => (p.rps > 0 ? p.errorRatio : null), fmtPct, "#d64545"),
        chart("p99 latency", series, (p) => (p.rps > 0 ? p.p99Ms : null), fmtMs, "#8250df"))),
    section("Endpoints", endpointsTable(detail)),
    section("Routes", listOf(detail?.routes, detail ? "No routes apply to this service." : "Loading…", "routes")),
    section("Policies", listOf(detail?.policies, detail ? "No policies apply to this service." : "Loading…", "policies")),
    section("Inbound", trafficTable(edgesInto(node.id), "in")),
    edgesFrom(node.id).length ? section("Outbound", trafficTable(edgesFrom(node.id), "out")) : "",
  ];
  return out;
}

/** Drops the bucket still filling up (its rate would read low), judged by the server's clock. */
function completeBuckets(series) {
  const now = Date.parse(state.topology?.generatedAt ?? "") || Date.now();
  return series.filter((p) => Date.parse(p.t) + SERIES_BUCKET_MS <= now + 500);
}

function endpointsTable(detail) {
  if (!detail) return emptyNote("Loading…");
  const endpoints = detail.endpoints ?? [];
  if (endpoints.length === 0) return emptyNote("No endpoints: no workload matches this service's selector.");
  return h("table", { class: "compact", dataset: { testid: "endpoints" } },
    h("thead", {}, h("tr", {}, h("th", {}, "workload"), h("th", {}, "address"), h("th", {}, "node"))),
    h("tbody", {}, endpoints.map((e) => h("tr", { class: "clickable", onclick: () => e.workload && select(workloadId(e.workload, detail)) },
      h("td", {}, shortName(e.workload, detail)), h("td", { class: "mono" }, e.address ?? "–"), h("td", {}, e.node ?? "–")))));
}

/** "bookstore/catalog-v1" reads as "catalog-v1" next to a service of the same namespace. */
function shortName(workload, detail) {
  if (!workload) return "–";
  const ns = selectedService()?.namespace ?? String(detail?.service ?? "").split("/")[0];
  return ns && workload.startsWith(`${ns}/`) ? workload.slice(ns.length + 1) : workload;
}

function workloadId(workload, detail) {
  if (workload.includes("/")) return `workload:${workload}`;
  const ns = detail?.service?.namespace ?? selectedService()?.namespace;
  return `workload:${ns}/${workload}`;
}

function listOf(items, emptyText, testid) {
  if (!items || items.length === 0) return emptyNote(emptyText);
  return h("ul", { class: "plain-list", dataset: { testid } }, items.map((i) => h("li", {}, typeof i === "string" ? i : JSON.stringify(i))));
}

function workloadDetail(node) {
  const kindLabel = node.kind === "external" ? "External" : "Workload";
  const backs = (state.topology?.nodes ?? []).filter((n) => n.kind === "service" && membersOf(n).some((w) => `workload:${w.metadata.namespace}/${w.metadata.name}` === node.id));
  const rows = [
    ["namespace", node.namespace], ["app", node.app], ["version", node.version], ["node", node.node], ["identity", node.identity],
    ["backs", backs.map((n) => n.name).join(", ")],
  ].filter(([, v]) => v);
  return [
    header(kindLabel, node.name ?? node.id, node.kind === "external" ? "outside the mesh" : ""),
    kpis(aggregate(edgesInto(node.id))),
    rows.length ? section("Details", h("dl", { class: "props" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", { class: k === "identity" ? "mono" : "" }, v)]))) : "",
    section("Inbound", trafficTable(edgesInto(node.id), "in")),
    section("Outbound", trafficTable(edgesFrom(node.id), "out")),
  ];
}

function edgeDetail(id) {
  const e = (state.topology?.edges ?? []).find((x) => `edge:${x.source}|${x.target}|${x.protocol ?? ""}` === id);
  if (!e) return [header("Edge", "No longer in this window", ""), emptyNote("This edge has no traffic in the selected window.")];
  const name = (nid) => topologyNode(nid)?.name ?? nid;
  const mtlsText = { mutual_tls: "mutual TLS", plaintext: "plaintext", mixed: "mixed (some plaintext)" }[e.mtls] ?? e.mtls ?? "–";
  const unit = e.protocol === "tcp" ? "connections" : "requests";
  const rows = [
    ["protocol", e.protocol], [unit, e.requests], ["errors", e.errors], ["p50", fmtMs(e.p50Ms)], ["p95", fmtMs(e.p95Ms)], ["p99", fmtMs(e.p99Ms)],
    ["bytes sent", fmtBytes(e.bytesSent)], ["bytes received", fmtBytes(e.bytesReceived)],
  ];
  const last = e.lastError;
  return [
    header("Edge", `${name(e.source)} → ${name(e.target)}`, ""),
    kpis({ rps: e.rps, errorRatio: e.errorRatio, p99Ms: e.p99Ms, requests: e.requests }),
    section("Security", h("p", { class: `mtls-line mtls-${e.mtls}` }, icon(e.mtls) ?? "", ` ${mtlsText}`)),
    section("Traffic", h("dl", { class: "props" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "–")]))),
    section("Last error", last ? h("dl", { class: "props error-props" },
      [["time", fmtDateTime(last.time)], ["response flags", last.responseFlags], ["reason", readable(last.reason)], ["failed hop", last.hop], ["request id", last.requestId]]
        .filter(([, v]) => v && v !== "-").flatMap(([k, v]) => [h("dt", {}, k), h("dd", { class: k === "request id" || k === "response flags" ? "mono" : "" }, v)]))
      : emptyNote("No errors in this window.")),
  ];
}

/** Envoy-style details ("upstream_reset_before_response_started") read better with spaces; resource names have no underscores. */
function readable(text) {
  return text && !text.includes(" ") ? text.replaceAll("_", " ") : text;
}

/** A small SVG time series: area + line (gaps where a bucket has no value), latest value, max, and the time span. Drawn here to avoid a chart dependency. */
function chart(title, series, pick, format, color) {
  const W = 300, H = 64, PAD = 2;
  const values = series.map((p) => {
    const v = pick(p);
    return v === null || v === undefined || Number.isNaN(Number(v)) ? null : Number(v);
  });
  const present = values.filter((v) => v !== null);
  const times = series.map((p) => new Date(p.t).getTime());
  const max = Math.max(...present, 0);
  const top = max > 0 ? max * 1.1 : 1;
  const t0 = times[0], t1 = times[times.length - 1];
  const x = (i) => (t1 > t0 ? ((times[i] - t0) / (t1 - t0)) : (series.length > 1 ? i / (series.length - 1) : 1)) * (W - 2 * PAD) + PAD;
  const y = (v) => H - PAD - (v / top) * (H - 2 * PAD);

  // Runs of consecutive values become separate line and area segments.
  const runs = [];
  values.forEach((v, i) => {
    if (v === null) return;
    if (i > 0 && values[i - 1] !== null) runs[runs.length - 1].push(i);
    else runs.push([i]);
  });
  const svg = h("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", class: "chart-svg", role: "img" },
    h("line", { x1: 0, x2: W, y1: H - PAD, y2: H - PAD, class: "chart-axis" }));
  for (const run of runs) {
    const line = run.map((i, k) => `${k === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(values[i]).toFixed(1)}`).join(" ");
    if (run.length === 1) {
      svg.append(h("circle", { cx: x(run[0]), cy: y(values[run[0]]), r: 1.8, fill: color }));
      continue;
    }
    const area = `${line} L${x(run[run.length - 1]).toFixed(1)},${H - PAD} L${x(run[0]).toFixed(1)},${H - PAD} Z`;
    svg.append(
      h("path", { d: area, fill: color, "fill-opacity": 0.12, stroke: "none" }),
      h("path", { d: line, fill: "none", stroke: color, "stroke-width": 1.6, "vector-effect": "non-scaling-stroke", "stroke-linejoin": "round" }));
  }
  const latest = present.length ? present[present.length - 1] : null;
  svg.setAttribute("aria-label", `${title}, latest ${latest === null ? "none" : format(latest)}`);
  return h("figure", { class: "chart", dataset: { series: title, points: present.length, latest: latest ?? "", max } },
    h("figcaption", {}, h("span", {}, title), h("span", { class: "chart-latest", style: `color:${color}` }, latest === null ? "–" : format(latest))),
    svg,
    h("div", { class: "chart-foot" }, h("span", {}, fmtTime(series[0]?.t)), h("span", {}, `max ${format(max)}`), h("span", {}, fmtTime(series[series.length - 1]?.t))));
}

// ---------------------------------------------------------------- tables

function table(columns, rows, emptyText) {
  if (rows.length === 0) return h("p", { class: "empty-table" }, emptyText);
  return h("table", { class: "data" },
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { class: c.num ? "num" : "" }, c.title)))),
    h("tbody", {}, rows.map((row) => h("tr", { class: row.cls ?? "", dataset: row.dataset ?? {} },
      columns.map((c) => h("td", { class: `${c.num ? "num" : ""} ${c.mono ? "mono" : ""}` }, c.render(row.item)))))));
}

function renderConfigErrors() {
  const data = state.configErrors;
  if (!data) return;
  const errors = data.errors ?? [];
  setBadge("errors-count", String(errors.length), errors.length ? "bad" : "ok");
  $("errors-hint").textContent = errors.length
    ? `The last good configuration keeps serving (version ${data.version}); fix these and save to apply.`
    : `Configuration version ${data.version} loaded without errors.`;
  $("errors-table").replaceChildren(table([
    { title: "file", mono: true, render: (e) => `${e.file ?? "–"}${e.line ? `:${e.line}` : ""}${e.column ? `:${e.column}` : ""}` },
    { title: "field", mono: true, render: (e) => e.field ?? "–" },
    { title: "error", render: (e) => e.message ?? e.text ?? "" },
  ], errors.map((item) => ({ item, cls: "row-bad" })), "No configuration errors."));
}

function renderCertificates() {
  const data = state.certificates;
  if (!data) return;
  const now = Date.now();
  const items = [...(data.items ?? [])].sort((a, b) => new Date(a.notAfter) - new Date(b.notAfter));
  const status = (c) => {
    const left = new Date(c.notAfter).getTime() - now;
    return Number.isNaN(left) ? "unknown" : left <= 0 ? "expired" : left < CERT_NEAR_EXPIRY_MS ? "near" : "ok";
  };
  const expired = items.filter((c) => status(c) === "expired").length;
  const near = items.filter((c) => status(c) === "near").length;
  setBadge("certificates-count", String(items.length), expired ? "bad" : near ? "warn" : "");
  $("certificates-hint").textContent = `${items.length} issued by the mesh CA` +
    (expired ? ` · ${expired} expired` : "") + (near ? ` · ${near} expire within ${CERT_NEAR_EXPIRY_MS / 60000} minutes` : "") +
    ". Proxies rotate certificates before they expire.";
  $("certificates-table").replaceChildren(table([
    { title: "identity", mono: true, render: (c) => c.identity },
    { title: "node", render: (c) => c.node ?? "–" },
    { title: "expires", render: (c) => fmtDateTime(c.notAfter) },
    { title: "time left", num: true, render: (c) => {
      const s = status(c);
      const left = new Date(c.notAfter).getTime() - now;
      return h("span", { class: `cert-${s}` }, s === "expired" ? `expired ${fmtDuration(-left)} ago` : s === "unknown" ? "–" : fmtDuration(left));
    } },
  ], items.map((item) => ({ item, cls: `row-${status(item)}`, dataset: { identity: item.identity, status: status(item) } })), "No certificates issued yet."));
}

function renderProxies() {
  const data = state.proxies;
  if (!data) return;
  const proxies = [...(data.proxies ?? [])].sort((a, b) => `${a.node}/${a.role}`.localeCompare(`${b.node}/${b.role}`));
  const nacking = proxies.filter((p) => p.nacks > 0 && p.lastNack).length;
  setBadge("proxies-count", String(proxies.length), nacking ? "bad" : "");
  $("proxies-hint").textContent = `Control plane configuration version ${data.configVersion}; ${data.totalNacks ?? 0} NACKs in total.`;
  $("proxies-table").replaceChildren(table([
    { title: "node", render: (p) => p.node },
    { title: "role", render: (p) => h("span", { class: `kind-pill kind-${p.role}` }, p.role) },
    { title: "peer", mono: true, render: (p) => p.peer ?? "–" },
    { title: "connected", render: (p) => p.connectedAt ? `${fmtDuration(Date.now() - new Date(p.connectedAt).getTime())} ago` : "–" },
    { title: "config version", num: true, render: (p) => {
      const current = String(p.configVersion) === String(data.configVersion);
      return h("span", { class: current ? "ver-current" : "ver-behind", title: current ? "up to date" : `control plane is at ${data.configVersion}` },
        `${p.configVersion ?? "–"}${current ? " ✓" : " (behind)"}`);
    } },
    { title: "ACK / NACK", num: true, render: (p) => h("span", {}, h("span", { class: "ack" }, String(p.acks ?? 0)), " / ", h("span", { class: p.nacks ? "nack" : "" }, String(p.nacks ?? 0))) },
    { title: "last NACK", render: (p) => p.lastNack ? h("span", { class: "nack", title: p.lastNackAt ? fmtDateTime(p.lastNackAt) : "" }, p.lastNack) : "–" },
  ], proxies.map((item) => ({ item, cls: item.nacks && item.lastNack ? "row-bad" : "", dataset: { node: item.node, role: item.role } })), "No proxies connected."));
}

// ---------------------------------------------------------------- tabs and start-up

function showTab(name) {
  document.querySelectorAll(".tabs [role=tab]").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.tab === name)));
  document.querySelectorAll(".tab-panel").forEach((p) => { p.hidden = p.id !== `tab-${name}`; });
  if (name === "graph" && cy) { cy.resize(); scheduleOverlay(); }
  updateHash(name);
}

/** The address says what is on screen (#proxies, #graph/<selected id>), so a view can be shared or reloaded. */
function updateHash(tab) {
  const hash = tab === "graph" && state.selectedId ? `#graph/${encodeURIComponent(state.selectedId)}` : `#${tab}`;
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

function start() {
  document.querySelectorAll("[data-icon]").forEach((el) => el.append(icon(el.dataset.icon) ?? ""));
  document.querySelectorAll(".tabs [role=tab]").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
  $("window").addEventListener("change", (e) => { state.window = e.target.value; poll().catch(console.error); });
  $("detail-close").addEventListener("click", () => select(null));
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") select(null); });
  initGraph();
  const hash = location.hash.slice(1);
  const slash = hash.indexOf("/");
  const tab = slash < 0 ? hash : hash.slice(0, slash);
  if (tab === "graph" && slash > 0) {
    try {
      select(decodeURIComponent(hash.slice(slash + 1)));
    } catch {
      // A mangled address just opens the plain graph.
    }
  }
  if (["graph", "errors", "certificates", "proxies"].includes(tab)) showTab(tab);
  schedulePolling();
}

start();
