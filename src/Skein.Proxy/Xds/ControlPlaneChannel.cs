using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Skein.Core.Identity;

namespace Skein.Proxy.Xds;

/// <summary>Opens authenticated gRPC channels to the control plane (xDS and CA share it).</summary>
/// <remarks>
/// The control plane's certificate is checked as an X.509-SVID against the root this proxy was given
/// and must carry the control plane's SPIFFE ID: no trust on first use, and a certificate for some other
/// workload of the mesh cannot impersonate the control plane. The join token rides on every call.
/// </remarks>
public sealed class ControlPlaneChannel
{
    private readonly ProxyOptions _options;
    private readonly ILogger<ControlPlaneChannel> _logger;
    private readonly TrustBundleSet _bundles = new();
    private readonly SpiffeId _expected;

    public ControlPlaneChannel(ProxyOptions options, ILogger<ControlPlaneChannel> logger)
    {
        _options = options;
        _logger = logger;
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(options.RootCertFile);
        if (roots.Count == 0)
        {
            throw new InvalidOperationException($"{options.RootCertFile} holds no certificate");
        }

        _bundles.Set(options.TrustDomain, roots);
        _expected = SpiffeId.ForWorkload(options.TrustDomain, "skein-system", "skein-control");
    }

    /// <summary>The roots this proxy trusts for its own trust domain.</summary>
    public TrustBundleSet Bundles => _bundles;

    public GrpcChannel Create()
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(3),
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            EnableMultipleHttp2Connections = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = "skein-control",
                RemoteCertificateValidationCallback = ValidateServer,
            },
        };
        var token = _options.Token;
        var credentials = CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("authorization", $"Bearer {token}");
            return Task.CompletedTask;
        });
        return GrpcChannel.ForAddress(_options.ControlPlane, new GrpcChannelOptions
        {
            HttpHandler = handler,
            Credentials = ChannelCredentials.Create(ChannelCredentials.SecureSsl, credentials),
        });
    }

    private bool ValidateServer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            _logger.LogWarning("the control plane presented no certificate");
            return false;
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var intermediates = chain?.ChainPolicy.ExtraStore.Cast<X509Certificate2>().Where(c => !c.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span)).ToList() ?? [];
        var result = SvidValidator.Validate(leaf, intermediates, _bundles, DateTimeOffset.UtcNow);
        if (!result.IsValid)
        {
            _logger.LogWarning("refusing the control plane's certificate: {Result}", result);
            return false;
        }

        if (result.Id != _expected)
        {
            _logger.LogWarning("refusing the control plane's certificate: it is {Id}, expected {Expected}", result.Id, _expected);
            return false;
        }

        return true;
    }
}
