using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Skein.Core.Identity;
using Skein.Core.Protos.Skein;

namespace Skein.Proxy.L7.Forwarding;

/// <summary>
/// A backend's TLS origination (from a BackendTLSPolicy) ready to use: trusted CAs, the SNI, the names the backend
/// certificate must carry, and a key that tells connections made with different settings apart.
/// </summary>
/// <remarks>
/// SocketsHttpHandler's own TLS takes its SNI from the Host header and validates against one trust store per handler;
/// a BackendTLSPolicy names its own SNI, CA bundle and SANs per Service port, so the TLS is done here, on the HBONE
/// stream, and the handler speaks plain HTTP over the result.
/// </remarks>
public sealed class BackendTlsSettings
{
    private static readonly ConditionalWeakTable<BackendTls, BackendTlsSettings> Compiled = new();
    private readonly X509Certificate2Collection _trusted = [];

    private BackendTlsSettings(BackendTls proto)
    {
        Proto = proto;
        try
        {
            _trusted.ImportFromPem(proto.CaBundlePem);
        }
        catch (CryptographicException e)
        {
            Problem = $"BackendTLSPolicy {proto.Policy}: CA bundle is unusable: {e.Message}";
        }

        if (_trusted.Count == 0 && !proto.SystemCa)
        {
            Problem ??= $"BackendTLSPolicy {proto.Policy}: no CA certificate to validate the backend with";
        }

        var identity = new StringBuilder()
            .Append(proto.ServerName).Append('\n').Append(proto.SystemCa).Append('\n').Append(proto.CaBundlePem).Append('\n')
            .AppendJoin(',', proto.DnsNames).Append('\n').AppendJoin(',', proto.Uris);
        Key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToString())));
    }

    public BackendTls Proto { get; }

    /// <summary>Hash of everything that decides how a connection is verified; connections are pooled per key.</summary>
    public string Key { get; }

    /// <summary>Why connections cannot be made (unusable CA bundle); null when they can.</summary>
    public string? Problem { get; }

    /// <summary>The settings of <paramref name="proto"/>, compiled once per configuration object.</summary>
    public static BackendTlsSettings For(BackendTls proto) => Compiled.GetValue(proto, p => new BackendTlsSettings(p));

    /// <summary>
    /// Runs the TLS handshake over <paramref name="inner"/> (the HBONE stream), presenting <paramref name="clientCertificate"/>
    /// when the Gateway has one and offering h2 by ALPN when the connection will carry HTTP/2 (<paramref name="http2"/>).
    /// A backend that fails verification ends in an <see cref="AuthenticationException"/> naming the policy.
    /// </summary>
    public async Task<Stream> ConnectAsync(Stream inner, X509Certificate2? clientCertificate, bool http2, CancellationToken ct)
    {
        if (Problem is not null)
        {
            // The stream is ours from here: a failed connect must give its HBONE stream back.
            await inner.DisposeAsync();
            throw new AuthenticationException(Problem);
        }

        string? failure = null;
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = Proto.ServerName,
            ApplicationProtocols = [http2 ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11],
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) => (failure = Verify(certificate, chain, errors)) is null,
        };
        if (clientCertificate is not null)
        {
            options.ClientCertificates = [clientCertificate];
            options.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        try
        {
            await ssl.AuthenticateAsClientAsync(options, ct);
            return ssl;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync();
            throw new AuthenticationException($"TLS to the backend (BackendTLSPolicy {Proto.Policy}, SNI {Proto.ServerName}) failed: {failure ?? e.Message}", e);
        }
        catch
        {
            // Cancelled (the connect timeout) or anything else: the TLS stream and the HBONE stream under it go too.
            await ssl.DisposeAsync();
            throw;
        }
    }

    /// <summary>Null when the backend's certificate chains to a trusted CA and carries a wanted name; otherwise why not.</summary>
    public string? Verify(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is not X509Certificate2 leaf)
        {
            return "the backend presented no certificate";
        }

        if (Proto.SystemCa)
        {
            // The platform validated the chain; the name is checked below against the policy's names, not the SNI alone.
            if ((errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) != SslPolicyErrors.None)
            {
                return $"certificate is not trusted by the system CAs ({errors})";
            }
        }
        else
        {
            if (Identity.CaBundleChain.Problem(leaf, _trusted, presented) is { } status)
            {
                return $"certificate does not chain to the policy's CA certificates ({status})";
            }
        }

        return SubjectAltNames.Matches(leaf, Proto.DnsNames, Proto.Uris)
            ? null
            : $"certificate carries none of the names {string.Join(", ", Proto.DnsNames.Concat(Proto.Uris))}";
    }
}
