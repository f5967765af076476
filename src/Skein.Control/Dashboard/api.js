// Polling the control plane's REST API; failures are recorded for the banner, the last good data is kept.

import { render, renderBanner } from "./app.js";
import { renderDetail } from "./detail.js";
import { selectedService } from "./graph.js";
import { POLL_MS, REQUEST_TIMEOUT_MS, state } from "./state.js";

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
export async function fetchDetail() {
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

export async function poll() {
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
export function membersOf(serviceNode) {
  const inventory = state.inventory;
  if (!inventory) return [];
  const service = inventory.services.find((r) => r.metadata?.namespace === serviceNode.namespace && r.metadata?.name === serviceNode.name);
  const selector = Object.entries(service?.spec?.selector ?? {});
  if (selector.length === 0) return [];
  return inventory.workloads.filter((w) => w.metadata?.namespace === serviceNode.namespace &&
    selector.every(([k, v]) => (w.metadata?.labels ?? {})[k] === v));
}

export function schedulePolling() {
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
