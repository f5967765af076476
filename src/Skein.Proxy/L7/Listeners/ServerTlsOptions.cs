using System.Net;
using System.Net.Security;
using System.Runtime.CompilerServices;
using Skein.Proxy.L7.Configuration;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.L7.Listeners;

/// <summary>The TLS options of HTTPS handshakes, built once per listener configuration and shared by its handshakes.</summary>
/// <remarks>
/// SslStream copies what it needs from the options as a handshake starts, so one instance serves every connection.
/// Options belong to a <see cref="ListenerRuntime"/> (its certificates and client validation): a configuration push
/// compiles new listener runtimes, which get new options on their first handshake, and the old options go with the
/// old configuration.
/// </remarks>
public sealed class ServerTlsOptions(L7ConfigStore store, ProxyStats stats)
{
    private readonly ConditionalWeakTable<ListenerRuntime, SslServerAuthenticationOptions[]> _built = new();

    /// <summary>
    /// The listener a handshake on <paramref name="endPoint"/> with <paramref name="sni"/> is for (see
    /// <see cref="PortBinding.HandshakeFor"/>) and the options presenting its matching certificate; null options
    /// when no listener there has a certificate.
    /// </summary>
    public (ListenerRuntime? Listener, SslServerAuthenticationOptions? Options) For(IPEndPoint endPoint, string? sni)
    {
        var (listener, certificate) = store.Current.Bindings.GetValueOrDefault(endPoint)?.HandshakeFor(sni) ?? (null, null);
        if (listener is null || certificate is null)
        {
            return (listener, null);
        }

        if (!_built.TryGetValue(listener, out var options))
        {
            options = _built.GetValue(listener, Build);
        }

        for (var i = 0; i < options.Length; i++)
        {
            if (ReferenceEquals(options[i].ServerCertificateContext, certificate))
            {
                return (listener, options[i]);
            }
        }

        return (listener, null);
    }

    // One options object per certificate of the listener (same order), all asking for client certificates alike.
    private SslServerAuthenticationOptions[] Build(ListenerRuntime listener)
    {
        var protocols = new List<SslApplicationProtocol> { SslApplicationProtocol.Http2, SslApplicationProtocol.Http11 };
        var validation = listener.ClientValidation;
        RemoteCertificateValidationCallback? judge = validation is null ? null : (_, presented, chain, _) => validation.Judge(presented, chain, stats);
        return [.. listener.CertificateContexts.Select(certificate => new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificate,
            ApplicationProtocols = protocols,
            ClientCertificateRequired = validation is not null,
            RemoteCertificateValidationCallback = judge,
        })];
    }
}
