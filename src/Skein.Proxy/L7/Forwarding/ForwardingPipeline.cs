using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;
using Skein.Core.Protos.Skein;
using Skein.Proxy.L7.Configuration;
using Skein.Proxy.L7.Filters;
using Skein.Proxy.L7.LocalReplies;
using Skein.Proxy.L7.Resilience;
using Skein.Proxy.L7.Routing;
using Skein.Proxy.LoadBalancing;
using Skein.Proxy.Outbound;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;
using Yarp.ReverseProxy.Forwarder;

namespace Skein.Proxy.L7.Forwarding;

/// <summary>Runs a matched route entry: filters, weighted backend pick, forwarding through YARP's <see cref="IHttpForwarder"/>, timeouts and retries.</summary>
/// <remarks>
/// Routing is Skein's own rather than YARP's route table: Gateway API precedence (hostname specificity,
/// then the spec's match ordering), whole-path regular expressions and per-request weighted picks among
/// backendRefs do not map onto YARP's route/cluster model. YARP does what it is best at, forwarding one try
/// to one chosen endpoint; retries, per-try and whole-request timeouts and mirroring wrap it here.
/// </remarks>
public sealed class ForwardingPipeline(
    IHttpForwarder forwarder,
    UpstreamClients clients,
    BackendResolver resolver,
    PeakEwmaBalancer balancer,
    MirrorSender mirrors,
    ProxyStateStore state,
    ResilienceRegistry resilience,
    ProxyStats stats)
{
    private const string H2c = "kubernetes.io/h2c";

    // What does not change per request, made once: YARP's per-try settings for each upstream version,
    // each endpoint's destination prefix (endpoints are stable per mesh snapshot), the empty failed set.
    private static readonly ForwarderRequestConfig Http11Config = new()
    {
        ActivityTimeout = TimeSpan.FromMinutes(10),
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private static readonly ForwarderRequestConfig Http2Config = Http11Config with { Version = HttpVersion.Version20 };
    private static readonly IReadOnlySet<BackendEntry> NoneFailed = new HashSet<BackendEntry>();
    private static readonly RetryPolicy NoRetry = new();

    public async Task ExecuteAsync(HttpContext context, ListenerRuntime listener, RouteEntry entry, int port, RequestOutcome outcome)
    {
        var request = context.Request;
        var filters = entry.Filters;
        context.Features.Set(new ListenerPortFeature(port));
        if (filters.Cors is { } cors && CorsPolicy.IsPreflight(request))
        {
            cors.AnswerPreflight(context);
            outcome.Details = "cors_preflight";
            return;
        }

        if (filters.Fault is { } fault && await InjectFaultAsync(context, fault, outcome))
        {
            return;
        }

        foreach (var modifier in filters.RequestHeaders)
        {
            HeaderModifierApplier.Apply(modifier, request.Headers);
        }

        var path = request.Path.Value is { Length: > 0 } p ? p : "/";
        var query = request.QueryString.Value ?? "";
        var prefix = entry.Matcher.Path.Prefix;
        if (filters.Redirect is { } redirect)
        {
            Redirect(context, redirect, filters.ResponseHeaders, prefix, outcome);
            return;
        }

        var (host, rewrittenPath) = Rewrite(filters.Rewrite, request.Host.Value ?? "", path, prefix);
        if (filters.Mirrors.Count > 0 && SampledMirrors(filters.Mirrors) is { } sampled)
        {
            // Sampled first: a request no mirror takes is not read ahead (capturing delays the forward).
            var body = await MirrorBody.CaptureAsync(request, context.RequestAborted);
            try
            {
                foreach (var mirror in sampled)
                {
                    mirrors.Send(context, listener.Gateway, mirror, host, rewrittenPath + query, body);
                }
            }
            finally
            {
                body.Release();
            }
        }

        if (entry.Backends.Count == 0)
        {
            Answer(context, outcome, 500, "-", "route_has_no_backends");
            return;
        }

        await ForwardWithRetriesAsync(context, listener, entry, host, rewrittenPath, query, prefix, outcome);
        if (outcome.FaultDelayed)
        {
            // Envoy joins flags with ',': a delayed request that then failed shows both.
            outcome.Flags = outcome.Flags == "-" ? "DI" : $"DI,{outcome.Flags}";
        }

        if (outcome.Ejected is { } ejected)
        {
            outcome.Details = $"{outcome.Details} (outlier detection: {ejected})";
        }
    }

    /// <summary>Applies a fault filter; true when it aborted the request (answered with flag FI).</summary>
    private async ValueTask<bool> InjectFaultAsync(HttpContext context, FaultInjection fault, RequestOutcome outcome)
    {
        var result = await FaultInjector.ApplyAsync(fault, Random.Shared, context.RequestAborted);
        outcome.FaultDelayed |= result.Delay is not null;
        if (result.AbortStatus is not { } abort)
        {
            return false;
        }

        stats.Increment("l7.fault_aborts");
        AnswerWithReason(context, outcome, abort, outcome.FaultDelayed ? "DI,FI" : "FI", "fault_filter_abort",
            $"fault injection aborted the request with {abort}{(outcome.Service is { } s ? $" (TrafficPolicy faults of {s.Hostname})" : "")}");
        return true;
    }

    private async Task ForwardWithRetriesAsync(HttpContext context, ListenerRuntime listener, RouteEntry entry, string host, string path, string query,
        string? prefix, RequestOutcome outcome)
    {
        var retry = entry.Proto.Retry ?? NoRetry;
        var attempts = (int)Math.Max(1, retry.Attempts);
        if (attempts > 1 && context.Request.ContentLength is not 0 && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            // A retry resends the body: keep it (spilling to disk past a threshold) so it can be rewound.
            context.Request.EnableBuffering();
        }

        // Linked token sources only where a timeout needs one; the sets only once a retry or rate limit needs them.
        using var whole = entry.RequestTimeout is { } requestTimeout ? CancelAfter(context.RequestAborted, requestTimeout) : null;
        var wholeToken = whole?.Token ?? context.RequestAborted;
        HashSet<string>? tried = null;
        HashSet<BackendEntry>? failed = null;
        var faulted = false;
        HashSet<string>? charged = null;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            outcome.Attempts = attempt;
            var last = attempt == attempts;
            if (attempt > 1)
            {
                ResetForRetry(context);
                try
                {
                    await Task.Delay(RetryBackoff.For(attempt - 1, retry.Backoff?.ToTimeSpan()), wholeToken);
                }
                catch (OperationCanceledException)
                {
                    TimedOutOrGone(context, outcome);
                    return;
                }
            }

            var backend = BackendPicker.Pick(entry.Backends, failed ?? NoneFailed, Random.Shared);
            if (backend is null)
            {
                Answer(context, outcome, 500, "-", "no_backend_with_weight");
                return;
            }

            if (backend.Ref.InvalidReason.Length > 0)
            {
                Answer(context, outcome, 500, "-", backend.Ref.InvalidReason);
                return;
            }

            if (backend.Filters.Redirect is { } backendRedirect)
            {
                Redirect(context, backendRedirect, Both(entry.Filters.ResponseHeaders, backend.Filters.ResponseHeaders), prefix, outcome);
                return;
            }

            var policy = resilience.For(listener.Gateway, backend.Ref.Service);
            if (!faulted && backend.Filters.Fault is { } backendFault)
            {
                // A Service's faults apply once per request, on its first pick (retries are not re-faulted).
                faulted = true;
                if (await InjectFaultAsync(context, backendFault, outcome))
                {
                    return;
                }
            }

            if (policy?.RateLimit is { } bucket && (charged ??= new(StringComparer.Ordinal)).Add(backend.Ref.Service) && !bucket.TryTake())
            {
                stats.Increment("l7.rate_limited");
                AnswerWithReason(context, outcome, StatusCodes.Status429TooManyRequests, "RL", "local_rate_limited",
                    $"local rate limit of {backend.Ref.Service} reached (TrafficPolicy {policy.Policy.Policy} rateLimit: {policy.Policy.RateLimit.RequestsPerSecond} requests/s, burst {policy.Policy.RateLimit.Burst})");
                return;
            }

            var resolution = resolver.Resolve(backend.Ref, tried, policy?.Outliers);
            outcome.Service = resolution.Service;
            if (resolution.Endpoint is not { } endpoint)
            {
                if (last)
                {
                    Answer(context, outcome, 503, "UH", resolution.Reason);
                    return;
                }

                (failed ??= []).Add(backend);
                continue;
            }

            if (!last)
            {
                // Only a later try avoids the endpoints already tried: a single try keeps no set.
                (tried ??= new(StringComparer.Ordinal)).Add(endpoint.Key);
            }

            outcome.Endpoint = endpoint;
            outcome.MutualTls = listener.Gateway.Identity is not null && endpoint.Workload is { } w && !w.IsOutsideMesh() && state.Current.MtlsModeFor(w, endpoint.Address.Port) != MtlsMode.Disable;
            var (backendHost, backendPath) = Rewrite(backend.Filters.Rewrite, host, path, prefix);
            var plan = new ForwardPlan(backendHost, backendPath, query, backend.Filters.RequestHeaders,
                Both(entry.Filters.ResponseHeaders, backend.Filters.ResponseHeaders), backend.Filters.Cors ?? entry.Filters.Cors,
                policy?.Policy.ConnectionPool?.ConnectTimeout is { } connect && connect.ToTimeSpan() > TimeSpan.Zero ? connect.ToTimeSpan() : null);
            var transformer = new GatewayTransformer(plan, last ? null : entry.RetryOn);
            using var perTry = entry.BackendRequestTimeout is { } tryTimeout ? CancelAfter(wholeToken, tryTimeout) : null;
            var perTryToken = perTry?.Token ?? wholeToken;

            if (context.Request.Body.CanSeek)
            {
                context.Request.Body.Position = 0;
            }

            var config = backend.Ref.AppProtocol == H2c ? Http2Config : Http11Config;
            PoolLease? lease = null;
            if (policy?.Pool is { } pool)
            {
                string? overflow;
                try
                {
                    (lease, overflow) = await pool.EnterAsync(config.Version == HttpVersion.Version11, perTryToken);
                }
                catch (OperationCanceledException)
                {
                    TimedOutOrGone(context, outcome);
                    return;
                }

                if (overflow is not null)
                {
                    stats.Increment("l7.upstream_rq_overflow");
                    AnswerWithReason(context, outcome, StatusCodes.Status503ServiceUnavailable, "UO", "upstream_overflow",
                        $"upstream overflow: {overflow} for {backend.Ref.Service} (TrafficPolicy {policy.Policy.Policy} connectionPool)");
                    return;
                }
            }

            balancer.Begin(endpoint);
            var started = Stopwatch.GetTimestamp();
            ForwarderError error;
            try
            {
                error = await forwarder.SendAsync(context, endpoint.HttpPrefix, clients.For(listener.Gateway, backend.Ref.Tls), config, transformer, perTryToken);
            }
            finally
            {
                balancer.End(endpoint);
                lease?.Dispose();
            }

            if (policy?.Outliers is { } outliers && !context.RequestAborted.IsCancellationRequested)
            {
                var status = transformer.DiscardedStatus ?? (error == ForwarderError.None || context.Response.HasStarted ? context.Response.StatusCode : 0);
                if (outliers.Report(endpoint.Key, resolution.EndpointCount, status) is { } ejectedFor)
                {
                    stats.Increment("l7.outlier_ejections");
                    outcome.Ejected = $"{endpoint.Address} of {backend.Ref.Service} ejected for {ejectedFor.TotalSeconds:0.###}s";
                }
            }

            if (transformer.DiscardedStatus is { } discarded)
            {
                balancer.Observe(endpoint, Stopwatch.GetElapsedTime(started));
                outcome.Flags = "URX";
                outcome.Details = $"retrying_after_{discarded}";
                (failed ??= []).Add(backend);
                continue;
            }

            if (error == ForwarderError.None)
            {
                balancer.Observe(endpoint, Stopwatch.GetElapsedTime(started));
                outcome.Flags = attempt > 1 ? "-" : outcome.Flags;
                outcome.Details = "via_upstream";
                return;
            }

            if (context.Response.HasStarted)
            {
                // Part of the response already reached the client: nothing to retry, the stream just ends.
                outcome.Flags = "UPE";
                outcome.Details = $"upstream_{error}";
                return;
            }

            if (wholeToken.IsCancellationRequested)
            {
                TimedOutOrGone(context, outcome);
                return;
            }

            if (perTryToken.IsCancellationRequested)
            {
                if (last)
                {
                    Answer(context, outcome, 504, "UT", "backend_request_timeout");
                    return;
                }

                (failed ??= []).Add(backend);
                continue;
            }

            balancer.Failed(endpoint);
            (failed ??= []).Add(backend);
            if (last)
            {
                var connectFailed = error is ForwarderError.Request or ForwarderError.RequestCreation;
                Answer(context, outcome, connectFailed ? 503 : 502, attempts > 1 ? "URX" : "UF",
                    context.Features.Get<IForwarderErrorFeature>()?.Exception?.Message ?? error.ToString());
                return;
            }
        }

        // Every try was answered with a retryable status and discarded; the last try always proxies, so this is unreachable.
        Answer(context, outcome, 503, "URX", "retries_exhausted");
    }

    private static CancellationTokenSource CancelAfter(CancellationToken token, TimeSpan timeout)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(token);
        source.CancelAfter(timeout);
        return source;
    }

    /// <summary>Route-level then backend-level modifiers; a new list only when both have some.</summary>
    private static IReadOnlyList<HeaderModifier> Both(List<HeaderModifier> route, List<HeaderModifier> backend) =>
        backend.Count == 0 ? route : route.Count == 0 ? backend : [.. route, .. backend];

    // The mirrors this request goes to (each decides by its percentage), or null when none does.
    private static List<RequestMirror>? SampledMirrors(IReadOnlyList<RequestMirror> configured)
    {
        List<RequestMirror>? sampled = null;
        foreach (var mirror in configured)
        {
            if (MirrorSender.Sampled(mirror))
            {
                (sampled ??= []).Add(mirror);
            }
        }

        return sampled;
    }

    private static void Redirect(HttpContext context, RequestRedirect redirect, IEnumerable<HeaderModifier> responseHeaders, string? prefix, RequestOutcome outcome)
    {
        var request = context.Request;
        var (status, location) = RedirectBuilder.Build(redirect, request.Scheme, request.Host.Host, request.Path.Value is { Length: > 0 } p ? p : "/",
            request.QueryString.Value ?? "", context.Features.Get<ListenerPortFeature>()?.Port ?? context.Connection.LocalPort, prefix);
        context.Response.StatusCode = status;
        context.Response.Headers.Location = location;
        HeaderModifierApplier.Apply(responseHeaders, context.Response.Headers);
        outcome.Details = "redirect";
    }

    private static (string Host, string Path) Rewrite(UrlRewrite? rewrite, string host, string path, string? prefix)
    {
        if (rewrite is null)
        {
            return (host, path);
        }

        return (rewrite.Hostname.Length > 0 ? rewrite.Hostname : host, rewrite.Path is { } modifier ? PathRewriter.Rewrite(modifier, path, prefix) : path);
    }

    private static void ResetForRetry(HttpContext context)
    {
        if (!context.Response.HasStarted)
        {
            context.Response.Clear();
        }

        context.Features.Set<IForwarderErrorFeature>(null);
    }

    private static void TimedOutOrGone(HttpContext context, RequestOutcome outcome)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            outcome.Flags = "DC";
            outcome.Details = "downstream_remote_disconnect";
            return;
        }

        Answer(context, outcome, 504, "UT", "request_timeout");
    }

    /// <summary>A local answer that also says why in a <c>skein-reason</c> header and the body, in plain words.</summary>
    private static void AnswerWithReason(HttpContext context, RequestOutcome outcome, int status, string flags, string details, string reason)
    {
        Answer(context, outcome, status, flags, reason);
        if (!context.Response.HasStarted)
        {
            context.Response.Headers["skein-reason"] = reason;
        }

        outcome.Details = $"{details}: {reason}";
    }

    /// <summary>A local answer (no upstream response): status, flags and a short reason, written by <see cref="LocalReply"/>.</summary>
    private static void Answer(HttpContext context, RequestOutcome outcome, int status, string flags, string details) =>
        LocalReply.Send(context, outcome, status, flags, details);
}

/// <summary>The port a request is routed as arriving on (listener port, or a waypoint's service port), for redirects.</summary>
public sealed record ListenerPortFeature(int Port);
