using System.Net;
using Skein.Core.Identity;

namespace Skein.Proxy.Policy;

/// <summary>What L4 policy can see of a connection: the verified peer identity (none for plaintext) and its addresses.</summary>
public readonly record struct ConnectionAttributes(SpiffeId? SourceIdentity, IPAddress SourceIp, IPAddress DestinationIp, int DestinationPort)
{
    /// <summary>Istio's principal form, without the scheme: <c>td/ns/x/sa/y</c>.</summary>
    public string? Principal => SourceIdentity is { } id ? $"{id.TrustDomain}{id.Path}" : null;

    public string? SourceNamespace => SourceIdentity is { } id && id.TryGetWorkload(out var ns, out _) ? ns : null;
}
