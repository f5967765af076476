using System.Collections.Concurrent;
using System.Net;
using Skein.Control.Store;
using Skein.Core.Resources;

namespace Skein.Control.Telemetry;

/// <summary>Builds the service topology from access log records: edges source → destination with golden signals.</summary>
/// <remarks>
/// Each connection or request is counted once. A Skein node proxy logs a connection at both ends, so TCP
/// records count from the source side (outbound), and inbound ones only when the source is outside the mesh
/// (no outbound record exists then). Gateway/waypoint HTTP records and any plain Envoy's records all count.
/// Every record, counted or not, is kept in the bounded <see cref="Recent"/> store for <c>skein explain</c>.
/// </remarks>
public sealed class TopologyAggregator(ConfigStore store, ControlPlaneOptions options, TimeProvider time)
{
    public const int BucketSeconds = 10;

    /// <summary>One hour of 10 s buckets.</summary>
    public const int BucketCount = 360;

    private readonly ConcurrentDictionary<EdgeKey, EdgeSeries> _edges = new();

    /// <summary>The latest records, by request id and by (source, destination), for explanations.</summary>
    public RecentRecords Recent { get; } = new(8192);

    /// <summary>Records received (all sources).</summary>
    public long RecordsReceived => Interlocked.Read(ref _received);

    private long _received;

    public void Add(ObservedRecord record)
    {
        Interlocked.Increment(ref _received);
        var resolver = Resolver();
        var source = resolver.Source(record);
        var target = resolver.Target(record);
        Recent.Add(record, source, target);
        if (!Counts(record, source))
        {
            // The refusing side knows more (the deciding policy): let it explain the edge's last error.
            if (record.IsError && _edges.TryGetValue(new EdgeKey(source, target, record.Protocol), out var counted))
            {
                counted.NoteError(record);
            }

            return;
        }

        // Clocks differ: a record from the future counts now; one older than the ring (a backlog sent after a
        // long outage) is kept for explain but not counted, or it would reset a live bucket that shares its slot.
        var now = time.GetUtcNow();
        var epoch = Epoch(record.Start < now ? record.Start : now);
        if (epoch <= Epoch(now) - BucketCount)
        {
            return;
        }

        _edges.GetOrAdd(new EdgeKey(source, target, record.Protocol), static (_, now) => new EdgeSeries(now), now).Add(record, epoch);
    }

    /// <summary>The topology over the last <paramref name="window"/>.</summary>
    public TopologyView Snapshot(TimeSpan window)
    {
        var now = time.GetUtcNow();
        var to = Epoch(now);
        var from = Epoch(now - window) + 1;
        var edges = new List<TopologyEdge>();
        foreach (var (key, series) in _edges)
        {
            var totals = series.Sum(from, to);
            if (totals.Requests <= 0)
            {
                continue;
            }

            // A young edge's rate is over the time it has existed, not the whole window.
            var seconds = Math.Max(BucketSeconds, Math.Min(window.TotalSeconds, (now - series.FirstSeen).TotalSeconds + BucketSeconds));
            var last = series.LastError is { } e && e.Start >= now - window ? e : null;
            edges.Add(new TopologyEdge(key.Source, key.Target, key.Protocol,
                (long)Math.Round(totals.Requests), Math.Round(totals.Requests / seconds, 3), (long)Math.Round(totals.Errors),
                Math.Round(totals.Errors / totals.Requests, 4),
                Round(totals.Latency.Quantile(0.50)), Round(totals.Latency.Quantile(0.95)), Round(totals.Latency.Quantile(0.99)),
                totals.BytesSent, totals.BytesReceived, totals.MtlsState,
                last is null ? null : new TopologyError(last.Start, last.ResponseFlags, Reason(last), last.FailedHop ?? last.Reporter, last.RequestId)));
        }

        edges.Sort((a, b) => string.CompareOrdinal(a.Source + a.Target + a.Protocol, b.Source + b.Target + b.Protocol));
        var resolver = Resolver();
        var nodes = edges.SelectMany(e => new[] { e.Source, e.Target }).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(resolver.Describe).ToList();
        return new TopologyView(WindowName(window), now, nodes, edges);
    }

    /// <summary>10 s points for every edge into <paramref name="targetId"/> over the window.</summary>
    public IReadOnlyList<SeriesPoint> Series(string targetId, TimeSpan window)
    {
        var now = time.GetUtcNow();
        var to = Epoch(now);
        var from = Epoch(now - window) + 1;
        var into = _edges.Where(p => p.Key.Target == targetId).Select(p => p.Value).ToList();
        var points = new List<SeriesPoint>();
        for (var e = from; e <= to; e++)
        {
            double requests = 0, errors = 0;
            var latency = new LatencyHistogram();
            foreach (var series in into)
            {
                var t = series.Sum(e, e);
                requests += t.Requests;
                errors += t.Errors;
                latency.Merge(t.Latency);
            }

            points.Add(new SeriesPoint(DateTimeOffset.FromUnixTimeSeconds(e * BucketSeconds), Math.Round(requests / BucketSeconds, 3),
                requests > 0 ? Math.Round(errors / requests, 4) : 0, Round(latency.Quantile(0.99))));
        }

        return points;
    }

    /// <summary>The resolver for the current config, indexed once per snapshot rather than per record.</summary>
    private EndpointResolver Resolver()
    {
        var snapshot = store.Current;
        var cached = _resolver;
        if (cached is null || !ReferenceEquals(cached.Snapshot, snapshot))
        {
            _resolver = cached = new EndpointResolver(snapshot, options.TrustDomain);
        }

        return cached;
    }

    private volatile EndpointResolver? _resolver;

    public static long Epoch(DateTimeOffset t) => t.ToUnixTimeSeconds() / BucketSeconds;

    /// <summary>Parses 1m, 5m, 15m, 1h (or any Ns/Nm/Nh up to 1h); null when unparseable.</summary>
    public static TimeSpan? ParseWindow(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return TimeSpan.FromMinutes(5);
        }

        if (text.Length < 2 || !int.TryParse(text[..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            return null;
        }

        TimeSpan? window = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            _ => null,
        };
        return window is { } w && w >= TimeSpan.FromSeconds(BucketSeconds) && w <= TimeSpan.FromSeconds(BucketSeconds * BucketCount) ? w : null;
    }

    private static string WindowName(TimeSpan w) =>
        w.TotalHours >= 1 && w.TotalHours % 1 == 0 ? $"{w.TotalHours:0}h" : w.TotalMinutes % 1 == 0 ? $"{w.TotalMinutes:0}m" : $"{w.TotalSeconds:0}s";

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 3) : null;

    internal static string Reason(ObservedRecord r) =>
        r.Policy is { } p ? $"denied by AuthorizationPolicy {p}" : r.Details ?? (r.ResponseCode > 0 ? $"HTTP {r.ResponseCode}" : r.ResponseFlags);

    private static bool Counts(ObservedRecord r, string source) =>
        !r.FromSkein || r.Protocol == "http" || r.Direction == "outbound" || !source.StartsWith("workload:", StringComparison.Ordinal);

    private readonly record struct EdgeKey(string Source, string Target, string Protocol);
}

/// <summary>Resolves a record's ends to topology node ids, and describes nodes from the config store.</summary>
internal sealed class EndpointResolver(ConfigSnapshot snapshot, string trustDomain)
{
    private readonly Dictionary<IPAddress, WorkloadResource> _byAddress = IndexByAddress(snapshot);
    private readonly Dictionary<(string?, string), WorkloadResource> _byIdentity = snapshot.OfType<WorkloadResource>()
        .GroupBy(w => (w.Metadata.Namespace, w.Spec.ServiceAccount)).ToDictionary(g => g.Key, g => g.First());
    private readonly Dictionary<(string?, string), WorkloadResource> _byName = snapshot.OfType<WorkloadResource>()
        .GroupBy(w => (w.Metadata.Namespace, w.Metadata.Name)).ToDictionary(g => g.Key, g => g.First());
    private readonly Dictionary<(string?, string), ServiceResource> _services = snapshot.OfType<ServiceResource>()
        .GroupBy(s => (s.Metadata.Namespace, s.Metadata.Name)).ToDictionary(g => g.Key, g => g.First());

    public ConfigSnapshot Snapshot => snapshot;

    private static Dictionary<IPAddress, WorkloadResource> IndexByAddress(ConfigSnapshot snapshot)
    {
        var index = new Dictionary<IPAddress, WorkloadResource>();
        foreach (var w in snapshot.OfType<WorkloadResource>())
        {
            foreach (var a in w.Spec.Addresses)
            {
                if (IPAddress.TryParse(a, out var ip))
                {
                    index.TryAdd(ip, w);
                }
            }
        }

        return index;
    }

    public string Source(ObservedRecord r)
    {
        if (r.SourceWorkload is not null && r.SourceNamespace is not null)
        {
            return $"workload:{r.SourceNamespace}/{r.SourceWorkload}";
        }

        if (WorkloadAt(r.SourceAddress) is { } byAddress)
        {
            return $"workload:{byAddress.Metadata.Namespace}/{byAddress.Metadata.Name}";
        }

        if (r.SourcePrincipal is not null && WorkloadWithIdentity(r.SourcePrincipal) is { } byIdentity)
        {
            return $"workload:{byIdentity.Metadata.Namespace}/{byIdentity.Metadata.Name}";
        }

        return $"external:{Host(r.SourceAddress) ?? "unknown"}";
    }

    public string Target(ObservedRecord r)
    {
        if (r.DestinationService is { } hostname)
        {
            var parts = hostname.Split('.');
            if (parts.Length >= 2)
            {
                return $"service:{parts[1]}/{parts[0]}";
            }
        }

        if (r.DestinationWorkload is not null && r.DestinationNamespace is not null)
        {
            return $"workload:{r.DestinationNamespace}/{r.DestinationWorkload}";
        }

        if (WorkloadAt(r.DestinationAddress) is { } byAddress)
        {
            return $"workload:{byAddress.Metadata.Namespace}/{byAddress.Metadata.Name}";
        }

        return $"external:{Host(r.DestinationAddress) ?? Host(r.Requested) ?? "unknown"}";
    }

    public TopologyNode Describe(string id)
    {
        var colon = id.IndexOf(':', StringComparison.Ordinal);
        var kind = id[..colon];
        var rest = id[(colon + 1)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var (ns, name) = kind != "external" && slash > 0 ? (rest[..slash], rest[(slash + 1)..]) : ((string?)null, rest);
        if (kind == "workload" && _byName.GetValueOrDefault((ns, name)) is { } w)
        {
            var labels = w.Metadata.Labels ?? [];
            return new TopologyNode(id, kind, ns, name, labels.GetValueOrDefault("app"), labels.GetValueOrDefault("version"), w.Spec.Node,
                $"spiffe://{trustDomain}/ns/{ns}/sa/{w.Spec.ServiceAccount}");
        }

        if (kind == "service" && _services.GetValueOrDefault((ns, name)) is { } s)
        {
            var labels = s.Metadata.Labels ?? [];
            return new TopologyNode(id, kind, ns, name, labels.GetValueOrDefault("app") ?? name, labels.GetValueOrDefault("version"), null, null);
        }

        return new TopologyNode(id, kind, ns, name, null, null, null, null);
    }

    private WorkloadResource? WorkloadAt(string? endpoint)
    {
        var host = Host(endpoint);
        return host is not null && IPAddress.TryParse(host, out var ip) ? _byAddress.GetValueOrDefault(ip) : null;
    }

    private WorkloadResource? WorkloadWithIdentity(string principal)
    {
        // spiffe://td/ns/<ns>/sa/<sa>, or Istio's principal form td/ns/<ns>/sa/<sa>
        var parts = principal.Split('/');
        var nsAt = Array.IndexOf(parts, "ns");
        if (nsAt < 0 || nsAt + 3 >= parts.Length || parts[nsAt + 2] != "sa")
        {
            return null;
        }

        var (ns, sa) = (parts[nsAt + 1], parts[nsAt + 3]);
        return _byIdentity.GetValueOrDefault((ns, sa));
    }

    private static string? Host(string? endpoint)
    {
        if (string.IsNullOrEmpty(endpoint))
        {
            return null;
        }

        if (IPEndPoint.TryParse(endpoint, out var ep))
        {
            return ep.Address.ToString();
        }

        var colon = endpoint.LastIndexOf(':');
        return colon > 0 ? endpoint[..colon] : endpoint;
    }
}

/// <summary>The topology JSON (see the BRIEF's shared observability decisions).</summary>
public sealed record TopologyView(string Window, DateTimeOffset GeneratedAt, IReadOnlyList<TopologyNode> Nodes, IReadOnlyList<TopologyEdge> Edges);

/// <summary>A topology node: a workload, a service, or an address outside the mesh.</summary>
public sealed record TopologyNode(string Id, string Kind, string? Namespace, string Name, string? App, string? Version, string? Node, string? Identity);

/// <summary>A topology edge with its golden signals over the window.</summary>
public sealed record TopologyEdge(string Source, string Target, string Protocol, long Requests, double Rps, long Errors, double ErrorRatio,
    double? P50Ms, double? P95Ms, double? P99Ms, long BytesSent, long BytesReceived, string Mtls, TopologyError? LastError);

/// <summary>The latest failure on an edge.</summary>
public sealed record TopologyError(DateTimeOffset Time, string ResponseFlags, string Reason, string Hop, string? RequestId);

/// <summary>One 10 s point of a service's series.</summary>
public sealed record SeriesPoint(DateTimeOffset T, double Rps, double ErrorRatio, double? P99Ms);
