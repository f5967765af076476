using System.Collections.Immutable;
using System.Security.Cryptography.X509Certificates;

namespace Skein.Core.Identity;

/// <summary>The X.509 root certificates trusted for each trust domain: the local one plus any federated ones.</summary>
/// <remarks>
/// Reads are lock-free snapshots so every handshake can consult the set while federation refreshes
/// replace bundles on another thread. The set does not own the certificates; callers dispose them
/// after removing or replacing a bundle.
/// </remarks>
public sealed class TrustBundleSet
{
    private readonly Lock _writeLock = new();
    private ImmutableDictionary<string, ImmutableArray<X509Certificate2>> _bundles =
        ImmutableDictionary.Create<string, ImmutableArray<X509Certificate2>>(StringComparer.Ordinal);

    /// <summary>Raised after a trust domain's bundle was dropped (its SVIDs are no longer trusted), with the trust domain.</summary>
    public event Action<string>? Removed;

    /// <summary>The trust domains that currently have a bundle.</summary>
    public IReadOnlyCollection<string> TrustDomains => Volatile.Read(ref _bundles).Keys.ToArray();

    /// <summary>Replaces the bundle of <paramref name="trustDomain"/> with <paramref name="roots"/>.</summary>
    /// <remarks>A whole-bundle replace, because a SPIFFE bundle refresh publishes the complete current set of roots.</remarks>
    public void Set(string trustDomain, IEnumerable<X509Certificate2> roots)
    {
        ArgumentNullException.ThrowIfNull(trustDomain);
        ArgumentNullException.ThrowIfNull(roots);

        // Keys must be canonical trust domain names: lookups use the name parsed from a
        // SPIFFE ID, so a key like "Example.org" could never match and would fail silently.
        var error = SpiffeId.CheckTrustDomain(trustDomain);
        if (error is not null)
        {
            throw new ArgumentException(error, nameof(trustDomain));
        }

        var list = roots.ToImmutableArray();
        if (list.IsEmpty)
        {
            // An empty bundle can verify nothing; make the caller say Remove so that intent is explicit.
            throw new ArgumentException("a trust bundle needs at least one root; use Remove to drop a trust domain", nameof(roots));
        }

        if (list.Any(static c => c is null))
        {
            throw new ArgumentException("a trust bundle must not contain null certificates", nameof(roots));
        }

        lock (_writeLock)
        {
            Volatile.Write(ref _bundles, _bundles.SetItem(trustDomain, list));
        }
    }

    /// <summary>Drops the bundle of <paramref name="trustDomain"/>; returns false if there was none.</summary>
    public bool Remove(string trustDomain)
    {
        ArgumentNullException.ThrowIfNull(trustDomain);
        lock (_writeLock)
        {
            var next = _bundles.Remove(trustDomain);
            if (ReferenceEquals(next, _bundles))
            {
                return false;
            }

            Volatile.Write(ref _bundles, next);
        }

        Removed?.Invoke(trustDomain);
        return true;
    }

    /// <summary>Gets the roots trusted for <paramref name="trustDomain"/>; false when the trust domain is unknown.</summary>
    public bool TryGetRoots(string trustDomain, out IReadOnlyList<X509Certificate2> roots)
    {
        ArgumentNullException.ThrowIfNull(trustDomain);
        if (Volatile.Read(ref _bundles).TryGetValue(trustDomain, out var found))
        {
            roots = found;
            return true;
        }

        roots = [];
        return false;
    }
}
