using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Skein.Samples.Echo;

/// <summary>
/// The HTTP echo's TLS ports, as upstream's echo-basic serves them: the certificate of TLS_SERVER_CERT/TLS_SERVER_PRIVKEY,
/// and with TLS_CLIENT_CACERTS a client certificate signed by those CAs is required.
/// </summary>
public sealed class EchoTls
{
    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2Collection? _clientCas;

    private EchoTls(X509Certificate2 certificate, X509Certificate2Collection? clientCas)
    {
        _certificate = certificate;
        _clientCas = clientCas;
    }

    /// <summary>Loads the PEM files; <paramref name="clientCaPath"/> null means client certificates are not asked for.</summary>
    public static EchoTls Load(string certPath, string keyPath, string? clientCaPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        // Re-imported so the key is usable by SslStream (ephemeral PEM keys are not, on some platforms).
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        X509Certificate2Collection? clientCas = null;
        if (clientCaPath is not null)
        {
            clientCas = [];
            clientCas.ImportFromPemFile(clientCaPath);
        }

        return new EchoTls(certificate, clientCas);
    }

    /// <summary>Serves <paramref name="certificate"/> without asking for client certificates.</summary>
    public static EchoTls From(X509Certificate2 certificate) => new(certificate, null);

    /// <summary>Serves <paramref name="listen"/> over TLS (HTTP/1.1 and HTTP/2 by ALPN).</summary>
    public void Configure(ListenOptions listen)
    {
        listen.Protocols = HttpProtocols.Http1AndHttp2;
        listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            // A selector (rather than ServerCertificate) makes Kestrel read the client's SNI, which the reply reports.
            ServerCertificateSelector = (_, _) => _certificate,
            ClientCertificateMode = _clientCas is null ? ClientCertificateMode.NoCertificate : ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = _clientCas is null ? null : (certificate, _, _) => ChainsToClientCas(certificate),
        });
    }

    /// <summary>The "tls" object of the echo reply (Go's tls.ConnectionState fields upstream reports), or null without TLS.</summary>
    public static System.Text.Json.Nodes.JsonObject? Describe(HttpContext context)
    {
        // Only a real handshake sets ITlsHandshakeFeature (the h2c marker sets ITlsConnectionFeature alone).
        if (context.Features.Get<ITlsHandshakeFeature>() is not { } handshake)
        {
            return null;
        }

        var peer = context.Features.Get<ITlsConnectionFeature>()?.ClientCertificate;
        return new System.Text.Json.Nodes.JsonObject
        {
            ["version"] = handshake.Protocol.ToString(),
            ["serverName"] = handshake.HostName,
            ["negotiatedProtocol"] = context.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol.ToArray() is { Length: > 0 } alpn
                ? System.Text.Encoding.ASCII.GetString(alpn)
                : "",
            ["cipherSuite"] = handshake.NegotiatedCipherSuite?.ToString() ?? "",
            ["peerCertificates"] = peer is null ? new System.Text.Json.Nodes.JsonArray() : new System.Text.Json.Nodes.JsonArray(peer.ExportCertificatePem()),
        };
    }

    private bool ChainsToClientCas(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(_clientCas!);
        return chain.Build(certificate);
    }
}
