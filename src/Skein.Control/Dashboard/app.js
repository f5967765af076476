// Skein dashboard: polls the control plane's REST API every 2 s and renders the service graph,
// service detail, configuration errors, certificates and connected proxies.
// Plain modern JS modules with no build step; Cytoscape.js (vendor/) draws the graph.

import { poll, schedulePolling } from "./api.js";
import { renderDetail } from "./detail.js";
import { $, h, icon } from "./dom.js";
import { cy, initGraph, renderGraph, scheduleOverlay, select } from "./graph.js";
import { POLL_MS, state } from "./state.js";
import { renderCertificates, renderConfigErrors, renderProxies } from "./tables.js";

export function render() {
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

export function renderBanner() {
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

function showTab(name) {
  document.querySelectorAll(".tabs [role=tab]").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.tab === name)));
  document.querySelectorAll(".tab-panel").forEach((p) => { p.hidden = p.id !== `tab-${name}`; });
  if (name === "graph" && cy) { cy.resize(); scheduleOverlay(); }
  updateHash(name);
}

/** The address says what is on screen (#proxies, #graph/<selected id>), so a view can be shared or reloaded. */
export function updateHash(tab) {
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
