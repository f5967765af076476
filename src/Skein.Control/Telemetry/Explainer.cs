using Skein.Control.Store;
using Skein.Core.Resources;

namespace Skein.Control.Telemetry;

/// <summary>Says in plain language what failed, at which hop, and what to check, from the recent access log records.</summary>
public static class Explainer
{
    /// <summary>Explains one request (or connection) by id.</summary>
    public static Explanation ForRequest(string requestId, IReadOnlyList<RecentRecords.Entry> records, ConfigSnapshot config)
    {
        if (records.Count == 0)
        {
            return new Explanation("unknown", $"No access log record with request id {requestId} has reached the control plane (it keeps the latest few thousand).",
                null, null, null, ["Check the id (the x-request-id header, or the connection id in a proxy's access log line).",
                    "Check that the proxies stream access logs (a Telemetry resource may have turned it off)."], []);
        }

        var failed = records.LastOrDefault(e => e.Record.IsError);
        var subject = $"request {requestId} from {Label(records[0].Source)} to {Label(records[0].Target)}";
        return failed is null
            ? new Explanation("ok", $"The {subject} succeeded{Code(records[^1].Record)}.", null, null, null, [], Evidence(records))
            : Explain(subject, failed, records, config, failedCount: null, total: null);
    }

    /// <summary>Explains recent traffic between a source and a destination (names, "ns/name" or node ids).</summary>
    public static Explanation ForPair(string? source, string? destination, IReadOnlyList<RecentRecords.Entry> records, ConfigSnapshot config)
    {
        var subject = $"traffic from {source ?? "anywhere"} to {destination ?? "anywhere"}";
        if (records.Count == 0)
        {
            return new Explanation("unknown", $"No recent {subject} has been recorded.", null, null, null,
                ["Check the names (a workload, or a service: `skein get Workload -A`, `skein get Service -A`).",
                    "Send some traffic and try again; records stream to the control plane within a second."], []);
        }

        // Share over the records the topology counts (a node proxy logs a connection at both ends).
        var counted = records.Where(e => e.Record.Direction == "outbound" || e.Record.Protocol == "http" || !e.Record.FromSkein).ToList();
        var failures = records.Where(e => e.Record.IsError).ToList();
        if (failures.Count == 0)
        {
            return new Explanation("ok", $"The last {records.Count} records of {subject} all succeeded.", null, null, null, [], Evidence(records));
        }

        subject = $"{subject} ({Label(failures[^1].Source)} → {Label(failures[^1].Target)})";
        var basis = counted.Count > 0 ? counted : records;
        return Explain(subject, failures[^1], records, config, basis.Count(e => e.Record.IsError), basis.Count);
    }

    private static Explanation Explain(string subject, RecentRecords.Entry failed, IReadOnlyList<RecentRecords.Entry> records, ConfigSnapshot config, int? failedCount, int? total)
    {
        var r = failed.Record;
        // The denying side knows the policy; the calling side only saw the refusal. Use whichever record has it.
        var policy = r.Policy ?? records.LastOrDefault(e => e.Record.Policy is not null && e.Record.IsError)?.Record.Policy;
        var denied = r.PolicyDenied || policy is not null || records.Any(e => e.Record.IsError && e.Record.PolicyDenied) || r.Details?.Contains("401", StringComparison.Ordinal) == true && r.Details.Contains("polic", StringComparison.OrdinalIgnoreCase);
        var hop = r.FailedHop ?? records.LastOrDefault(e => e.Record.IsError && e.Record.FailedHop is not null)?.Record.FailedHop ?? $"{r.Direction}-proxy/{r.Reporter}";
        var share = failedCount is { } f && total is { } t ? $" {f} of the last {t} records failed." : "";
        string cause;
        var checks = new List<string>();

        if (denied && r.Details?.Contains("requires_mTLS", StringComparison.Ordinal) != true)
        {
            var resource = policy is null ? null : FindPolicy(config, policy);
            if (resource is not null && resource.Spec.Action == AuthorizationAction.Deny)
            {
                cause = $"AuthorizationPolicy {policy} (action DENY) matched and denied it.";
                checks.Add($"Read the policy: skein get AuthorizationPolicy {resource.Metadata.Name} -n {resource.Metadata.Namespace} -o yaml");
                checks.Add("Remove it, or narrow its rules (from/to) so they no longer match this caller.");
            }
            else if (policy is not null)
            {
                cause = $"AuthorizationPolicy {policy} denied it.";
                checks.Add($"Read the policy: skein get AuthorizationPolicy {policy.Split('/')[^1]} -n {policy.Split('/')[0]} -o yaml");
            }
            else
            {
                cause = "No ALLOW AuthorizationPolicy for the destination matched the caller, so it was denied (an ALLOW policy denies everything it does not name).";
                checks.Add("List the policies of the destination's namespace: skein get AuthorizationPolicy -n <namespace>");
                checks.Add("Add a rule naming the caller's identity (from.source.principals) or namespace.");
            }
        }
        else if (r.Details?.Contains("requires_mTLS", StringComparison.Ordinal) == true)
        {
            cause = "The destination requires mTLS (PeerAuthentication STRICT) and the caller came in plaintext.";
            checks.Add("Check the PeerAuthentication of the source and destination: skein get PeerAuthentication -A");
        }
        else if (Has(r, "NR") || Has(r, "NC"))
        {
            cause = $"No route: {Target(r)} is not a service or workload the mesh knows.";
            checks.Add("Check the name and namespace the client used; check the Service exists: skein get Service -A");
            checks.Add("For HTTP through a gateway or waypoint, check that an HTTPRoute matches the host and path (skein get HTTPRoute -A).");
        }
        else if (Has(r, "UH"))
        {
            cause = r.Details?.Contains("eject", StringComparison.OrdinalIgnoreCase) == true
                ? $"Every endpoint of {Target(r)} is ejected by outlier detection."
                : $"{Target(r)} has no healthy endpoint: no Workload matches its selector and port, or all are ejected.";
            checks.Add("Check the service's endpoints: skein get Workload -n <namespace> (labels must match the Service selector).");
            checks.Add("Check the TrafficPolicy's outlierDetection if endpoints were ejected.");
        }
        else if (Has(r, "UO"))
        {
            cause = $"The circuit to {Target(r)} is open: a connection-pool limit of its TrafficPolicy was reached.";
            checks.Add("Check the TrafficPolicy's connectionPool limits for the service.");
        }
        else if (Has(r, "RL"))
        {
            cause = $"The local rate limit of {Target(r)} (its TrafficPolicy's rateLimit) refused the request.";
            checks.Add("Check the TrafficPolicy's rateLimit for the service, and how fast clients call it (skein top).");
        }
        else if (Has(r, "UT") || Has(r, "DT") || Has(r, "SI"))
        {
            cause = $"{Target(r)} did not answer in time (timeout).";
            checks.Add("Check the route's or TrafficPolicy's timeout, and the destination's latency (skein top).");
        }
        else if (Has(r, "FI") || Has(r, "DI"))
        {
            cause = "A fault-injection filter on the route aborted or delayed it on purpose.";
            checks.Add("Check the HTTPRoute's or TrafficPolicy's fault injection settings.");
        }
        else if (Has(r, "UF") || Has(r, "URX") || Has(r, "UC") || Has(r, "UR"))
        {
            cause = $"Could not connect to {Target(r)}{(r.DestinationAddress is { } a ? $" at {a}" : "")}: {Plain(r.Details) ?? "the connection was refused or reset"}.";
            checks.Add("Check that the destination process is running and listening on its port.");
            checks.Add("Check the destination node's proxy is up (skein get proxies / the API's /api/v1/proxies).");
        }
        else if (r.ResponseCode >= 500)
        {
            cause = $"The application at {Target(r)} answered HTTP {r.ResponseCode}; the mesh delivered the request.";
            checks.Add("Check the destination application's own logs.");
        }
        else
        {
            cause = Plain(r.Details) ?? $"It failed with response flags {r.ResponseFlags}.";
        }

        var summary = $"The {subject} is failing at hop {hop}.{share} Cause: {cause}";
        return new Explanation("failing", summary, hop, cause, policy, checks, Evidence(records));
    }

    private static AuthorizationPolicyResource? FindPolicy(ConfigSnapshot config, string policy)
    {
        var slash = policy.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? null : config.OfType<AuthorizationPolicyResource>().FirstOrDefault(p => p.Metadata.Namespace == policy[..slash] && p.Metadata.Name == policy[(slash + 1)..]);
    }

    private static bool Has(ObservedRecord r, string flag) => r.ResponseFlags.Split(',').Contains(flag);

    private static string Target(ObservedRecord r) => r.DestinationService ?? r.DestinationWorkload ?? r.Requested ?? "the destination";

    private static string? Plain(string? details) => details is null or "-" ? null : details.Replace('_', ' ');

    private static string Code(ObservedRecord r) => r.ResponseCode > 0 ? $" (HTTP {r.ResponseCode})" : "";

    private static string Label(string id) => id.Replace("workload:", "workload ", StringComparison.Ordinal).Replace("service:", "service ", StringComparison.Ordinal).Replace("external:", "", StringComparison.Ordinal);

    private static IReadOnlyList<ExplainedRecord> Evidence(IReadOnlyList<RecentRecords.Entry> records) =>
        records.TakeLast(10).Select(e => new ExplainedRecord(e.Record.Start, e.Record.Reporter, e.Record.Direction, e.Source, e.Target, e.Record.Protocol,
            e.Record.ResponseCode, e.Record.ResponseFlags, e.Record.Details, e.Record.FailedHop, e.Record.Policy, e.Record.RequestId)).ToList();
}

/// <summary>The answer of <c>/api/v1/explain</c>: a verdict, a plain-language summary, the failed hop, the cause and what to check.</summary>
public sealed record Explanation(string Verdict, string Summary, string? Hop, string? Cause, string? Policy, IReadOnlyList<string> Checks, IReadOnlyList<ExplainedRecord> Records);

/// <summary>A record cited as evidence.</summary>
public sealed record ExplainedRecord(DateTimeOffset Time, string Reporter, string Direction, string Source, string Target, string Protocol,
    int ResponseCode, string ResponseFlags, string? Details, string? FailedHop, string? Policy, string? RequestId);
