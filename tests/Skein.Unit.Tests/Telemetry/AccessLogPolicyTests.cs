using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Skein.Proxy;
using Skein.Proxy.Identity;
using Skein.Proxy.Telemetry;
using Skein.Proxy.Xds;

namespace Skein.Unit.Tests.Telemetry;

/// <summary>The data path's side of access logging: sampling keeps errors, and a full ALS queue drops and counts instead of waiting.</summary>
public sealed class AccessLogPolicyTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"skein-root-{Guid.NewGuid():N}.pem");

    public AccessLogPolicyTests()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = new CertificateRequest("CN=test root", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(_root, cert.ExportCertificatePem());
    }

    public void Dispose() => File.Delete(_root);

    private (AccessLog Log, AccessLogSettings Settings, ProxyStats Stats) Create(string format = "off")
    {
        var options = new ProxyOptions { Node = "node-a", ControlPlane = new Uri("https://127.0.0.1:1"), RootCertFile = _root, Token = "t", AccessLogFormat = format };
        var stats = new ProxyStats();
        var channel = new ControlPlaneChannel(options, new MeshTrust(options), NullLogger<ControlPlaneChannel>.Instance);
        var streamer = new AccessLogStreamer(options, channel, stats, NullLogger<AccessLogStreamer>.Instance);
        var settings = new AccessLogSettings(options);
        return (new AccessLog(settings, streamer, stats), settings, stats);
    }

    private static AccessLogRecord Record(bool failed) => new()
    {
        Start = DateTimeOffset.UtcNow,
        Direction = "outbound",
        Node = "node-a",
        SourceNamespace = "shop",
        ResponseFlags = failed ? "UF" : "-",
    };

    [Fact]
    public void Zero_percent_sampling_drops_successes_and_keeps_every_error()
    {
        var (log, settings, stats) = Create();
        settings.Replace(null, new Dictionary<string, AccessLogPolicy> { ["shop"] = new("off", 0, true) });
        for (var i = 0; i < 10; i++)
        {
            log.Write(Record(failed: false));
            log.Write(Record(failed: true));
        }

        Assert.Equal(10, stats.Read("access_log.sampled_out"));
        Assert.Equal(0, stats.Read("access_log.als_dropped"));
    }

    [Fact]
    public void A_full_stream_queue_drops_and_counts_without_blocking()
    {
        // Neither writer is running (no control plane, no stdout pump): the queues fill, then writes drop.
        var (log, _, stats) = Create(format: "text");
        for (var i = 0; i < 8192 + 100; i++)
        {
            log.Write(Record(failed: false));
        }

        Assert.Equal(100, stats.Read("access_log.als_dropped"));
        Assert.Equal(8192 + 100 - 4096, stats.Read("access_log.dropped"));
    }

    [Fact]
    public void A_disabled_scope_neither_logs_nor_streams()
    {
        var (log, settings, stats) = Create();
        settings.Replace(new AccessLogPolicy("off", 100, false), new Dictionary<string, AccessLogPolicy>());
        for (var i = 0; i < 8192 + 100; i++)
        {
            log.Write(Record(failed: true));
        }

        Assert.Equal(0, stats.Read("access_log.als_dropped"));
        Assert.Equal(0, stats.Read("access_log.dropped"));
    }

    [Theory]
    [InlineData("node", "text")]
    [InlineData("gateway", "off")]
    [InlineData("waypoint", "off")]
    public void Only_node_proxies_write_stdout_lines_by_default(string role, string format) => Assert.Equal(format, ProxyOptions.DefaultAccessLogFormat(role));

    [Fact]
    public void A_gateway_without_stdout_lines_still_streams_until_a_telemetry_asks_for_lines()
    {
        var (log, settings, stats) = Create(format: ProxyOptions.DefaultAccessLogFormat("gateway"));
        for (var i = 0; i < 8192 + 1; i++)
        {
            log.Write(Record(failed: false));
        }

        // Streamed (the queue filled, one dropped), no line queued.
        Assert.Equal(1, stats.Read("access_log.als_dropped"));
        Assert.Equal(0, stats.Read("access_log.dropped"));

        settings.Replace(new AccessLogPolicy("text", 100, true), new Dictionary<string, AccessLogPolicy>());
        for (var i = 0; i < 4096 + 1; i++)
        {
            log.Write(Record(failed: false));
        }

        Assert.Equal(1, stats.Read("access_log.dropped"));
    }
}
