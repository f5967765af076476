// Numbers, durations and times as the dashboard shows them.

import { DEGRADED_RATIO, FAILING_RATIO } from "./state.js";

export function fmtRate(v) {
  if (v === undefined || v === null || Number.isNaN(v)) return "–";
  if (v === 0) return "0";
  if (v < 0.1) return v.toFixed(2);
  if (v < 10) return v.toFixed(1);
  return Math.round(v).toString();
}
export function fmtMs(v) {
  if (v === undefined || v === null || Number.isNaN(v)) return "–";
  if (v < 1) return `${v.toFixed(2)} ms`;
  if (v < 100) return `${v.toFixed(1)} ms`;
  if (v < 1000) return `${Math.round(v)} ms`;
  return `${(v / 1000).toFixed(v < 10000 ? 2 : 1)} s`;
}
export function fmtPct(v) {
  if (v === undefined || v === null || Number.isNaN(v)) return "–";
  if (v === 0) return "0 %";
  const pct = v * 100;
  return `${pct < 0.1 ? pct.toFixed(2) : pct < 10 ? pct.toFixed(1) : Math.round(pct)} %`;
}
export function fmtBytes(v) {
  if (!v) return "0 B";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v < 10 && i > 0 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
export function fmtDuration(ms) {
  const neg = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400); s -= d * 86400;
  const hh = Math.floor(s / 3600); s -= hh * 3600;
  const mm = Math.floor(s / 60); s -= mm * 60;
  const text = d > 0 ? `${d}d ${hh}h` : hh > 0 ? `${hh}h ${mm}m` : mm > 0 ? `${mm}m ${s}s` : `${s}s`;
  return neg ? `-${text}` : text;
}
export function fmtTime(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleTimeString([], { hour12: false });
}
export function fmtDateTime(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${d.toLocaleTimeString([], { hour12: false })}`;
}
export function healthOf(errorRatio, requests) {
  if (!requests) return "idle";
  if (errorRatio >= FAILING_RATIO) return "failing";
  if (errorRatio > DEGRADED_RATIO) return "degraded";
  return "ok";
}

/** Envoy-style details ("upstream_reset_before_response_started") read better with spaces; resource names have no underscores. */
export function readable(text) {
  return text && !text.includes(" ") ? text.replaceAll("_", " ") : text;
}
