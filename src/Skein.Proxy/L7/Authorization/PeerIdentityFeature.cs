using Skein.Core.Identity;

namespace Skein.Proxy.L7.Authorization;

/// <summary>The verified SPIFFE identity of the HBONE client a waypoint received a connection from, carried on its Kestrel connection.</summary>
public sealed record PeerIdentityFeature(SpiffeId Identity);
