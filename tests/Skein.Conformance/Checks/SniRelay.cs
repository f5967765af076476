using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Skein.Conformance.Checks;

/// <summary>
/// Lets HttpClient speak HTTPS to a Gateway with a TLS server name that differs from the Host header.
/// SocketsHttpHandler always derives SNI from the Host header, and a plain-http URL over a caller-made TLS stream
/// would send HTTP/2 ":scheme: http", which servers reject on TLS. So the handler's own TLS ends here, on a loopback
/// socket pair with a throwaway certificate, and the bytes go on unchanged over a second TLS connection to the
/// Gateway that carries the wanted SNI and the same ALPN protocol.
/// </summary>
public static class SniRelay
{
    private static readonly Lazy<X509Certificate2> LocalCertificate = new(CreateCertificate);

    /// <summary>A stream for SocketsHttpHandler's ConnectCallback: the handler does TLS over it; the relay re-encrypts with <paramref name="serverName"/>.</summary>
    /// <remarks>
    /// With <paramref name="clientCertificate"/> the relay presents it when the Gateway asks for one, whatever CAs the
    /// Gateway names (upstream's client presents non-matching certificates on purpose).
    /// </remarks>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint gateway, string serverName, bool http2, CancellationToken ct, X509Certificate2? clientCertificate = null)
    {
        var alpn = http2 ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11;
        var upstreamSocket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        SslStream? upstream = null;
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await upstreamSocket.ConnectAsync(gateway, ct);
            upstream = new SslStream(new NetworkStream(upstreamSocket, ownsSocket: true));
            await upstream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                ApplicationProtocols = [alpn],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
            }, ct);

            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var handlerSide = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await handlerSide.ConnectAsync(listener.LocalEndPoint!, ct);
            var relaySide = await listener.AcceptAsync(ct);
            _ = PumpAsync(relaySide, upstream, alpn);
            return new NetworkStream(handlerSide, ownsSocket: true);
        }
        catch
        {
            if (upstream is not null)
            {
                await upstream.DisposeAsync();
            }
            else
            {
                upstreamSocket.Dispose();
            }

            throw;
        }
    }

    private static async Task PumpAsync(Socket relaySide, SslStream upstream, SslApplicationProtocol alpn)
    {
        await using (upstream)
        await using (var local = new SslStream(new NetworkStream(relaySide, ownsSocket: true)))
        {
            try
            {
                await local.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = LocalCertificate.Value,
                    ApplicationProtocols = [alpn],
                });
                // Either direction ending ends the relay: the handler opens one connection per request.
                await Task.WhenAny(local.CopyToAsync(upstream), upstream.CopyToAsync(local));
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
            {
                // The handler or the Gateway hung up; both sides are disposed below.
            }
        }
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=conformance-relay", key, HashAlgorithmName.SHA256);
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Re-imported from PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }
}
