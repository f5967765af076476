// The service graph: Cytoscape.js on a canvas, HTML edge labels over it, a hidden DOM mirror for tests.

import { fetchDetail, membersOf } from "./api.js";
import { updateHash } from "./app.js";
import { renderDetail } from "./detail.js";
import { $, h, icon } from "./dom.js";
import { fmtMs, fmtPct, fmtRate, healthOf } from "./format.js";
import { state } from "./state.js";

export let cy = null;
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

export function initGraph() {
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

export function renderGraph() {
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
export function fitGraph() {
  cy.fit(undefined, 40);
  if (cy.zoom() > 1.25) {
    cy.zoom(1.25);
    cy.center();
  }
}

export function scheduleOverlay() {
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

export function select(id) {
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

export function selectedService() {
  if (!state.selectedId?.startsWith("service:")) return null;
  const rest = state.selectedId.slice("service:".length);
  const slash = rest.indexOf("/");
  if (slash < 0) return null;
  return { id: state.selectedId, namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
}
