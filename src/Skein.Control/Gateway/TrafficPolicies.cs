using Skein.Core.Naming;
using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;
using WellKnown = Google.Protobuf.WellKnownTypes;

namespace Skein.Control.Gateway;

/// <summary>Compiles TrafficPolicies into what gateways and waypoints enforce: per-service limits and outlier detection, default retries and timeouts, fault filters.</summary>
/// <remarks>
/// A policy targets Services; when several target the same Service the oldest wins (then the name), as
/// Gateway API policy attachment resolves conflicts. Route settings beat policy defaults: a route rule with
/// its own retry or timeouts keeps them.
/// </remarks>
public sealed class TrafficPolicies
{
    // Istio's default retryOn includes 503 (connect failures and resets are always retried by the proxy).
    private static readonly uint[] DefaultRetryCodes = [503];

    private readonly Dictionary<string, TrafficPolicyResource> _byService = new(StringComparer.Ordinal);

    public TrafficPolicies(IEnumerable<TrafficPolicyResource> policies)
    {
        foreach (var policy in policies
            .OrderBy(p => p.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue)
            .ThenBy(p => p.Key.Namespace, StringComparer.Ordinal)
            .ThenBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            foreach (var target in policy.Spec.TargetRefs.Where(t => t.Kind == "Service" && t.Group is ""))
            {
                var ns = target.Namespace ?? policy.Key.Namespace;
                _byService.TryAdd($"{ns}/{MeshName.Hostname(target.Name, ns)}", policy);
            }
        }
    }

    /// <summary>The policy governing a Service ("namespace/hostname", as BackendRef.service), if any.</summary>
    public TrafficPolicyResource? For(string service) => _byService.GetValueOrDefault(service);

    /// <summary>Adds the policies of the Services a compiled Gateway routes to: the resilience map, defaults on its route entries and fault filters on its backendRefs.</summary>
    public void Apply(SkeinProto.Gateway gateway)
    {
        if (_byService.Count == 0)
        {
            return;
        }

        foreach (var listener in gateway.Listeners)
        {
            foreach (var entry in listener.HttpRoutes)
            {
                ApplyDefaults(entry);
                foreach (var backend in entry.Backends)
                {
                    if (backend.Backend is not { InvalidReason.Length: 0 } reference || For(reference.Service) is not { } policy)
                    {
                        continue;
                    }

                    if (Fault(policy.Spec.Faults) is { } fault)
                    {
                        backend.Filters.Add(new SkeinProto.HttpFilter { Fault = fault });
                    }

                    if (!gateway.Resilience.ContainsKey(reference.Service) && Resilience(policy) is { } resilience)
                    {
                        gateway.Resilience[reference.Service] = resilience;
                    }
                }
            }
        }
    }

    /// <summary>The rule's retry and timeouts from the policy of its first weighted backend, where the rule set none.</summary>
    private void ApplyDefaults(SkeinProto.HttpRoute entry)
    {
        var primary = entry.Backends.Where(b => b.Weight > 0).Concat(entry.Backends)
            .Select(b => b.Backend?.Service is { } s ? For(s) : null)
            .FirstOrDefault(p => p is not null);
        if (primary is null)
        {
            return;
        }

        var spec = primary.Spec;
        if (entry.Retry is null && spec.Retries is { } retries)
        {
            entry.Retry = Retry(retries);
        }

        if (entry.RequestTimeout is null && HttpRouteTranslator.Timeout(spec.Timeouts?.Request) is { } request)
        {
            entry.RequestTimeout = request;
        }

        if (entry.BackendRequestTimeout is null
            && (HttpRouteTranslator.Timeout(spec.Timeouts?.BackendRequest) ?? HttpRouteTranslator.Timeout(spec.Retries?.PerTryTimeout)) is { } perTry)
        {
            entry.BackendRequestTimeout = perTry;
        }
    }

    /// <summary>A policy's retries as the proxy's RetryPolicy: attempts counts retries (the proto counts tries); retryOn becomes status codes.</summary>
    public static SkeinProto.RetryPolicy Retry(RetrySettings retries)
    {
        var proto = new SkeinProto.RetryPolicy { Attempts = (uint)(retries.Attempts ?? 2) + 1 };
        var codes = new SortedSet<uint>();
        foreach (var condition in retries.RetryOn)
        {
            switch (condition)
            {
                case "5xx":
                    codes.UnionWith(Enumerable.Range(500, 100).Select(c => (uint)c));
                    break;
                case "gateway-error":
                    codes.UnionWith([502, 503, 504]);
                    break;
                case "retriable-4xx":
                    codes.Add(409);
                    break;
                case "unavailable" or "resource-exhausted":
                    codes.Add(503);
                    break;
                case var code when uint.TryParse(code, out var status) && status is >= 100 and <= 599:
                    codes.Add(status);
                    break;
                default:
                    // connect-failure, reset, refused-stream and the gRPC conditions: the proxy always retries connection errors.
                    break;
            }
        }

        proto.Codes.AddRange(retries.RetryOn.Count == 0 ? DefaultRetryCodes : codes);
        return proto;
    }

    /// <summary>The policy's faults as Skein's fault filter, or null when it has none.</summary>
    public static SkeinProto.FaultInjection? Fault(FaultInjectionSettings? faults)
    {
        if (faults is null || (faults.Delay is null && faults.Abort is null))
        {
            return null;
        }

        var proto = new SkeinProto.FaultInjection();
        if (faults.Delay is { } delay && Skein.Core.Resources.Duration.TryParse(delay.FixedDelay, out var fixedDelay))
        {
            proto.Delay = WellKnown.Duration.FromTimeSpan(fixedDelay);
            proto.DelayPercent = delay.Percentage ?? 100;
        }

        if (faults.Abort is { } abort)
        {
            proto.AbortStatus = (uint)abort.HttpStatus;
            proto.AbortPercent = abort.Percentage ?? 100;
        }

        return proto;
    }

    /// <summary>The limits, outlier detection and rate limit of a policy, or null when it sets none of them.</summary>
    public static SkeinProto.ResiliencePolicy? Resilience(TrafficPolicyResource policy)
    {
        var spec = policy.Spec;
        if (spec.ConnectionPool is null && spec.OutlierDetection is null && spec.RateLimit is null)
        {
            return null;
        }

        var proto = new SkeinProto.ResiliencePolicy { Policy = $"{policy.Key.Namespace}/{policy.Metadata.Name}" };
        if (spec.ConnectionPool is { } pool)
        {
            proto.ConnectionPool = new SkeinProto.ResilienceConnectionPool { ConnectTimeout = HttpRouteTranslator.Timeout(pool.ConnectTimeout) };
            if (pool.MaxConnections is { } connections)
            {
                proto.ConnectionPool.MaxConnections = (uint)connections;
            }

            if (pool.MaxPendingRequests is { } pending)
            {
                proto.ConnectionPool.MaxPendingRequests = (uint)pending;
            }

            if (pool.MaxRequests is { } requests)
            {
                proto.ConnectionPool.MaxRequests = (uint)requests;
            }
        }

        if (spec.OutlierDetection is { } outlier)
        {
            // Istio's defaults: 5 consecutive 5xx, 10 s interval, 30 s base ejection, 10 % at most.
            proto.OutlierDetection = new SkeinProto.ResilienceOutlierDetection
            {
                Consecutive5XxErrors = (uint)(outlier.Consecutive5xxErrors ?? 5),
                ConsecutiveGatewayErrors = (uint)(outlier.ConsecutiveGatewayErrors ?? 0),
                Interval = HttpRouteTranslator.Timeout(outlier.Interval) ?? WellKnown.Duration.FromTimeSpan(TimeSpan.FromSeconds(10)),
                BaseEjectionTime = HttpRouteTranslator.Timeout(outlier.BaseEjectionTime) ?? WellKnown.Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
                MaxEjectionPercent = (uint)(outlier.MaxEjectionPercent ?? 10),
            };
        }

        if (spec.RateLimit is { } rate)
        {
            proto.RateLimit = new SkeinProto.ResilienceRateLimit
            {
                RequestsPerSecond = rate.RequestsPerSecond,
                Burst = (uint)(rate.Burst ?? (int)Math.Ceiling(rate.RequestsPerSecond)),
            };
        }

        return proto;
    }
}
