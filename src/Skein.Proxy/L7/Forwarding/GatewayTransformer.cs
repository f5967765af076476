using Microsoft.AspNetCore.Http;
using Skein.Core.Protos.Skein;
using Skein.Proxy.L7.Filters;
using Yarp.ReverseProxy.Forwarder;

namespace Skein.Proxy.L7.Forwarding;

/// <summary>Shapes one try of a forwarded request: rewritten host and path, backend filters, response filters, and whether a response is worth retrying.</summary>
public sealed class GatewayTransformer(ForwardPlan plan, IReadOnlySet<int>? retryOn) : HttpTransformer
{
    /// <summary>The backend answered with a status this try retries on; the response was discarded before anything reached the client.</summary>
    public int? DiscardedStatus { get; private set; }

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        proxyRequest.RequestUri = new Uri(destinationPrefix + new PathString(plan.Path).ToUriComponent() + plan.Query, UriKind.Absolute);
        // Gateways forward the Host the client asked for (or the rewrite's), not the endpoint's address.
        proxyRequest.Headers.Host = plan.Host;
        var remote = httpContext.Connection.RemoteIpAddress?.ToString();
        if (remote is not null)
        {
            var prior = httpContext.Request.Headers["x-forwarded-for"].ToString();
            proxyRequest.Headers.Remove("x-forwarded-for");
            proxyRequest.Headers.TryAddWithoutValidation("x-forwarded-for", prior.Length > 0 ? $"{prior}, {remote}" : remote);
        }

        if (httpContext.Features.Get<Observability.RequestSpan>() is { } span)
        {
            // The backend's parent is this hop's span; tracestate passes through as the client sent it.
            proxyRequest.Headers.Remove("traceparent");
            proxyRequest.Headers.TryAddWithoutValidation("traceparent", span.Traceparent);
        }

        proxyRequest.Headers.Remove("x-forwarded-proto");
        proxyRequest.Headers.TryAddWithoutValidation("x-forwarded-proto", httpContext.Request.Scheme);
        foreach (var modifier in plan.BackendRequestHeaders)
        {
            HeaderModifierApplier.Apply(modifier, proxyRequest);
        }

        if (plan.ConnectTimeout is { } connectTimeout)
        {
            proxyRequest.Options.Set(UpstreamClients.ConnectTimeoutOption, connectTimeout);
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is not null && retryOn is not null && retryOn.Contains((int)proxyResponse.StatusCode))
        {
            DiscardedStatus = (int)proxyResponse.StatusCode;
            return false;
        }

        var proxied = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        HeaderModifierApplier.Apply(plan.ResponseHeaders, httpContext.Response.Headers);
        plan.Cors?.AddResponseHeaders(httpContext.Request, httpContext.Response.Headers);
        return proxied;
    }
}

/// <summary>What one try sends: the target host and path after rewrites, and the filters that act on the proxied messages.</summary>
public sealed record ForwardPlan(string Host, string Path, string Query, IReadOnlyList<HeaderModifier> BackendRequestHeaders, IReadOnlyList<HeaderModifier> ResponseHeaders, CorsPolicy? Cors,
    TimeSpan? ConnectTimeout = null);
