// The configuration errors, certificates and proxies tabs.

import { $, h, setBadge } from "./dom.js";
import { fmtDateTime, fmtDuration } from "./format.js";
import { CERT_NEAR_EXPIRY_MS, state } from "./state.js";

function table(columns, rows, emptyText) {
  if (rows.length === 0) return h("p", { class: "empty-table" }, emptyText);
  return h("table", { class: "data" },
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { class: c.num ? "num" : "" }, c.title)))),
    h("tbody", {}, rows.map((row) => h("tr", { class: row.cls ?? "", dataset: row.dataset ?? {} },
      columns.map((c) => h("td", { class: `${c.num ? "num" : ""} ${c.mono ? "mono" : ""}` }, c.render(row.item)))))));
}

export function renderConfigErrors() {
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

export function renderCertificates() {
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

export function renderProxies() {
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
