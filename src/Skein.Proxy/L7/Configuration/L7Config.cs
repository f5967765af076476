using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Skein.Core.Identity;
using Skein.Core.Protos.Skein;
using Skein.Proxy.L7.Listeners;
using Skein.Proxy.L7.Routing;

namespace Skein.Proxy.L7.Configuration;

/// <summary>The compiled L7 configuration of this proxy: every bound (address, port) with the listeners sharing it.</summary>
public sealed class L7Config
{
    public static readonly L7Config Empty = new([], new Dictionary<IPEndPoint, PortBinding>());

    public L7Config(IReadOnlyList<GatewayRuntime> gateways, IReadOnlyDictionary<IPEndPoint, PortBinding> bindings,
        IReadOnlyDictionary<IPEndPoint, GatewayRuntime>? hboneEndPoints = null, IReadOnlyDictionary<string, PortBinding>? services = null)
    {
        Gateways = gateways;
        Bindings = bindings;
        HboneEndPoints = hboneEndPoints ?? new Dictionary<IPEndPoint, GatewayRuntime>();
        Services = services ?? new Dictionary<string, PortBinding>(StringComparer.Ordinal);
    }

    /// <summary>Waypoints: each waypoint address's :15008, where HBONE tunnels arrive, and the Gateway answering there.</summary>
    public IReadOnlyDictionary<IPEndPoint, GatewayRuntime> HboneEndPoints { get; }

    /// <summary>Waypoints: the HBONE listeners governing each mesh service port, keyed by <see cref="ServicePortKey"/>.</summary>
    public IReadOnlyDictionary<string, PortBinding> Services { get; }

    /// <summary>"namespace/hostname:port", the key of a governed service port.</summary>
    public static string ServicePortKey(string service, int port) => $"{service}:{port}";

    public IReadOnlyList<GatewayRuntime> Gateways { get; }

    public IReadOnlyDictionary<IPEndPoint, PortBinding> Bindings { get; }
}

/// <summary>A Gateway as this proxy serves it.</summary>
public sealed record GatewayRuntime(Gateway Proto, SpiffeId? Identity)
{
    public string Key => $"{Proto.Namespace}/{Proto.Name}";

    /// <summary>The certificate presented to backends this Gateway originates TLS to (spec.tls.backend.clientCertificateRef).</summary>
    public X509Certificate2? BackendClientCertificate { get; init; }

    /// <summary>The identity's URI, formatted once: every request's access record and upstream client lookup needs it.</summary>
    public string? IdentityText { get; } = Identity?.ToString();
}

/// <summary>How a bound port is served: Kestrel (HTTP, HTTPS) or plain sockets (TLS passthrough, TCP).</summary>
public enum BindingKind
{
    Http,
    Https,
    Tls,
    Tcp,

    /// <summary>A waypoint's HBONE port (15008): mTLS, CONNECT tunnels carrying HTTP to the governed services.</summary>
    Hbone,
}

/// <summary>One (address, port) and the listeners that share it; the most specific hostname picks the listener per request.</summary>
public sealed record PortBinding(IPEndPoint EndPoint, BindingKind Kind, IReadOnlyList<ListenerRuntime> Listeners)
{
    /// <summary>The listener whose hostname matches <paramref name="host"/> (normalized) most specifically.</summary>
    public ListenerRuntime? Select(string host) => HostnameMatcher.SelectMostSpecific(Listeners, l => l.Hostname, host);

    /// <summary>The serving certificate for an SNI name: the selected listener's matching certificate, else its first.</summary>
    public X509Certificate2? CertificateFor(string? sni) =>
        Serving(sni) is ({ } listener, var index) ? listener.Certificates[index] : null;

    /// <summary>
    /// The listener a TLS handshake with <paramref name="sni"/> is for and the certificate (with its chain) to
    /// present: the most specific listener's matching certificate, else its first; nulls when none has one.
    /// </summary>
    public (ListenerRuntime? Listener, SslStreamCertificateContext? Certificate) HandshakeFor(string? sni) =>
        Serving(sni) is ({ } listener, var index) && index < listener.CertificateContexts.Count
            ? (listener, listener.CertificateContexts[index])
            : (null, null);

    private (ListenerRuntime? Listener, int Index) Serving(string? sni)
    {
        var host = HostnameMatcher.Normalize(sni);
        var listener = Select(host) ?? Listeners.FirstOrDefault(l => l.Certificates.Count > 0);
        if (listener is null || listener.Certificates.Count == 0)
        {
            return (null, 0);
        }

        for (var i = 0; i < listener.Certificates.Count; i++)
        {
            if (host.Length > 0 && listener.Certificates[i].MatchesHostname(host))
            {
                return (listener, i);
            }
        }

        return (listener, 0);
    }
}

/// <summary>A listener with its compiled routes and loaded certificates.</summary>
public sealed record ListenerRuntime(GatewayRuntime Gateway, Listener Proto, RouteTable Routes, IReadOnlyList<X509Certificate2> Certificates)
{
    public string Hostname { get; } = Proto.Hostname.ToLowerInvariant();

    /// <summary>
    /// What a handshake presents for each of <see cref="Certificates"/> (same order): the leaf with the
    /// intermediates that followed it in the Secret's tls.crt, so clients that trust only the root can validate.
    /// </summary>
    public IReadOnlyList<SslStreamCertificateContext> CertificateContexts { get; init; } = [];

    /// <summary>HTTPS: how client certificates are asked for and checked (Gateway spec.tls.frontend); null = not asked.</summary>
    public ClientCertificateValidator? ClientValidation { get; init; }

    /// <summary>AuthorizationPolicies this listener enforces per request (the Gateway's and its own), by name.</summary>
    public IReadOnlySet<string> PoliciesEnforcedPerRequest { get; } =
        Gateway.Proto.AuthorizationPolicies.Concat(Proto.AuthorizationPolicies).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

    public string Name => $"{Gateway.Key}/{Proto.Name}";
}
