using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Skein.Core.Identity;
using Skein.Proxy.Identity;

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
    private readonly MeshTrust _trust;
    private readonly SpiffeId _expected;

    public ControlPlaneChannel(ProxyOptions options, MeshTrust trust, ILogger<ControlPlaneChannel> logger)
    {
        _options = options;
        _logger = logger;
        _trust = trust;
        _expected = SpiffeId.ForWorkload(options.TrustDomain, "skein-system", "skein-control");
    }

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
        var token = new CurrentToken(_options.Token, _options.TokenFile);
        var credentials = CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("authorization", $"Bearer {token.Value}");
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
        var result = _trust.Validate(certificate, chain);
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

    /// <summary>The bearer token, re-read from its file when the file changes, so a rotated token is presented on the next call.</summary>
    private sealed class CurrentToken(string initial, string? file)
    {
        private readonly Lock _gate = new();
        private string _value = initial;
        // Unset, so the first call reads the file: a channel created after a rotation must not present the start-up token.
        private DateTime _written;

        public string Value
        {
            get
            {
                if (file is null)
                {
                    return _value;
                }

                lock (_gate)
                {
                    try
                    {
                        var written = File.GetLastWriteTimeUtc(file);
                        if (written != _written && File.ReadAllText(file).Trim() is { Length: > 0 } fresh)
                        {
                            _value = fresh;
                            _written = written;
                        }
                    }
                    catch (IOException)
                    {
                        // Mid-rotation (the kubelet swaps a symlink): keep presenting the previous token.
                    }

                    return _value;
                }
            }
        }
    }
}
