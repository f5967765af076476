// The side panel for the selected service, workload or edge, with the golden-metric charts.

import { membersOf } from "./api.js";
import { $, h, icon } from "./dom.js";
import { fmtBytes, fmtDateTime, fmtMs, fmtPct, fmtRate, fmtTime, healthOf, readable } from "./format.js";
import { cy, fitGraph, select, selectedService } from "./graph.js";
import { SERIES_BUCKET_MS, state } from "./state.js";

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

export function renderDetail() {
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
      if (cy.zoom() < 0.6 && el.nonempty()) {
        cy.zoom(Math.max(zoom, 0.6));
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
