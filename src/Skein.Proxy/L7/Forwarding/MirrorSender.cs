using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Skein.Core.Protos.Skein;
using Skein.Proxy.L7.Configuration;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.L7.Forwarding;

/// <summary>Request mirroring: a fire-and-forget copy of the request (headers and body) to another backend; its answer is ignored.</summary>
/// <remarks>
/// YARP has no mirroring; the copy is sent with the same HBONE-backed client as the real request, never waiting
/// for it. The body comes from <see cref="MirrorBody"/> (captured up to its cap; a larger body is not mirrored).
/// </remarks>
public sealed class MirrorSender(BackendResolver resolver, UpstreamClients clients, ProxyStats stats, ILogger<MirrorSender> logger)
{
    private static readonly TimeSpan MirrorTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Whether this request goes to <paramref name="mirror"/>: every request without a percentage, else that share.</summary>
    public static bool Sampled(RequestMirror mirror)
    {
        var denominator = mirror.Denominator == 0 ? 100 : mirror.Denominator;
        var numerator = mirror.Denominator == 0 && mirror.Numerator == 0 ? 100 : mirror.Numerator;
        return numerator >= denominator || Random.Shared.NextInt64(denominator) < numerator;
    }

    /// <summary>Sends a copy of the request to <paramref name="mirror"/> (already sampled), without waiting for it.</summary>
    public void Send(HttpContext context, GatewayRuntime gateway, RequestMirror mirror, string host, string pathAndQuery, MirrorBody body)
    {
        if (mirror.Backend is not { InvalidReason.Length: 0 } backend || resolver.Resolve(backend) is not { Endpoint: { } endpoint })
        {
            stats.Increment("l7.mirror.no_backend");
            return;
        }

        if (body.Kind == MirrorBodyKind.Skipped)
        {
            stats.Increment("l7.mirror.body_too_large");
            return;
        }

        var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), endpoint.HttpPrefix + pathAndQuery);
        foreach (var (name, values) in context.Request.Headers)
        {
            if (!IsHopByHop(name) && !name.StartsWith(':'))
            {
                request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        request.Headers.Host = host;
        if (body.Kind == MirrorBodyKind.Captured)
        {
            // The content owns a reference to the pooled bytes and gives it back once nothing reads them.
            request.Content = new MirrorBodyContent(body.Retain());
            foreach (var (name, values) in context.Request.Headers)
            {
                if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && !name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
                }
            }
        }

        var client = clients.For(gateway, backend.Tls);
        _ = Task.Run(async () =>
        {
            using (request)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(MirrorTimeout);
                    using var response = await client.SendAsync(request, timeout.Token);
                    stats.Increment("l7.mirror.sent");
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                {
                    stats.Increment("l7.mirror.failed");
                    logger.LogDebug("mirror to {Backend} failed: {Error}", backend.Service, e.Message);
                }
            }
        });
    }

    private static bool IsHopByHop(string name) =>
        name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("TE", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase);
}
