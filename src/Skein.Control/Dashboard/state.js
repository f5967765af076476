// Shared state of the dashboard page and its tuning constants.

export const POLL_MS = 2000;
export const REQUEST_TIMEOUT_MS = 4000;
export const DEGRADED_RATIO = 0.001;
export const FAILING_RATIO = 0.05;
export const CERT_NEAR_EXPIRY_MS = 60 * 60 * 1000;
export const SERIES_BUCKET_MS = 10_000;

export const state = {
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
