using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.L7.Observability;

/// <summary>Exports gateway/waypoint request spans over OTLP while an endpoint is configured (<c>--otlp-endpoint</c> or a Telemetry resource), rebuilding the exporter when it changes.</summary>
public sealed class TraceExporter(TracingSettings settings, ProxyOptions options, ILogger<TraceExporter> logger) : IHostedService, IDisposable
{
    private readonly Lock _gate = new();
    private TracerProvider? _provider;
    private string? _endpoint;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        settings.Changed += Apply;
        Apply();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        settings.Changed -= Apply;
        Swap(null, null);
        return Task.CompletedTask;
    }

    private void Apply()
    {
        var endpoint = settings.OtlpEndpoint;
        lock (_gate)
        {
            if (endpoint == _endpoint)
            {
                return;
            }
        }

        TracerProvider? provider = null;
        if (endpoint is not null)
        {
            if (Parse(endpoint) is not { } target)
            {
                logger.LogWarning("OTLP endpoint {Endpoint} is neither host:port nor an http(s) URL; spans are not exported", endpoint);
            }
            else
            {
                provider = Sdk.CreateTracerProviderBuilder()
                    .AddSource(RequestTracer.SourceName)
                    .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService($"skein-{options.Role}", serviceInstanceId: options.Node))
                    // The sampling decision is taken per request (traceparent's flag, or the Telemetry percentage for new traces).
                    .SetSampler(new AlwaysOnSampler())
                    .AddOtlpExporter(o =>
                    {
                        o.Endpoint = target.Uri;
                        o.Protocol = target.Protocol;
                        o.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 1000;
                    })
                    .Build();
                logger.LogInformation("exporting request spans to {Endpoint} over OTLP ({Protocol})", target.Uri, target.Protocol);
            }
        }

        Swap(endpoint, provider);
    }

    private void Swap(string? endpoint, TracerProvider? provider)
    {
        TracerProvider? old;
        lock (_gate)
        {
            old = _provider;
            _provider = provider;
            _endpoint = endpoint;
        }

        if (old is not null)
        {
            old.ForceFlush(2000);
            old.Dispose();
        }
    }

    /// <summary>"host:port" is OTLP/gRPC; a URL whose path ends in /v1/traces is OTLP/HTTP (protobuf), any other URL gRPC.</summary>
    public static (Uri Uri, OtlpExportProtocol Protocol)? Parse(string endpoint)
    {
        if (Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return (uri, uri.AbsolutePath.TrimEnd('/').EndsWith("/v1/traces", StringComparison.Ordinal) ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc);
        }

        return Uri.TryCreate($"http://{endpoint}", UriKind.Absolute, out var hostPort) && hostPort.AbsolutePath == "/" && !endpoint.Contains('/', StringComparison.Ordinal)
            ? (hostPort, OtlpExportProtocol.Grpc)
            : null;
    }

    public void Dispose() => Swap(null, null);
}
