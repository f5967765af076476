using System.Security.Cryptography.X509Certificates;

namespace Skein.Core.Identity;

/// <summary>One trust domain's X.509 trust bundle as published by a SPIFFE bundle endpoint: roots, sequence and refresh hint.</summary>
/// <param name="Roots">The X.509 authorities (CA certificates) of the trust domain.</param>
/// <param name="Sequence">The publisher's <c>spiffe_sequence</c>; higher means newer; null when absent.</param>
/// <param name="RefreshHint">The publisher's <c>spiffe_refresh_hint</c>; null when absent.</param>
public sealed record SpiffeBundle(IReadOnlyList<X509Certificate2> Roots, ulong? Sequence, TimeSpan? RefreshHint);
