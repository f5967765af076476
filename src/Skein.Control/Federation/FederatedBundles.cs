using System.Collections.Immutable;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Skein.Control.Compiler;
using Skein.Core.Resources;
using Proto = Skein.Core.Protos.Skein;

namespace Skein.Control.Federation;

/// <summary>The peer bundles the control plane holds, as xDS resources for proxies, and each MeshFederation's status.</summary>
/// <remarks>
/// Written by <see cref="FederationRefresher"/>, read by every xDS stream and the REST API: the resource map is an
/// immutable snapshot swapped under a lock, and <see cref="Changed"/> tells streams to push.
/// </remarks>
public sealed class FederatedBundles
{
    private readonly Lock _gate = new();
    private ImmutableDictionary<string, HeldBundle> _bundles = ImmutableDictionary.Create<string, HeldBundle>(StringComparer.Ordinal);
    private ImmutableDictionary<string, XdsResource> _resources = ImmutableDictionary.Create<string, XdsResource>(StringComparer.Ordinal);
    private ImmutableDictionary<ResourceKey, MeshFederationStatus> _statuses = ImmutableDictionary<ResourceKey, MeshFederationStatus>.Empty;

    /// <summary>Raised (outside the lock) when the set of bundles or their roots changed.</summary>
    public event Action? Changed;

    /// <summary>One <c>skein.v1alpha1.TrustBundle</c> per peer trust domain, by trust domain.</summary>
    public IReadOnlyDictionary<string, XdsResource> Resources => Volatile.Read(ref _resources);

    /// <summary>The roots held for <paramref name="trustDomain"/>, if any.</summary>
    public bool TryGet(string trustDomain, out HeldBundle bundle) => Volatile.Read(ref _bundles).TryGetValue(trustDomain, out bundle!);

    /// <summary>Replaces the bundle of a peer trust domain; proxies get it on the next push.</summary>
    public void Set(string trustDomain, IReadOnlyList<X509Certificate2> roots, ulong sequence, string source)
    {
        var proto = new Proto.TrustBundle { TrustDomain = trustDomain, Sequence = sequence };
        proto.Roots.AddRange(roots.Select(r => ByteString.CopyFrom(r.RawData)));
        var resource = XdsResource.Create(trustDomain, proto);
        bool changed;
        lock (_gate)
        {
            changed = !_resources.TryGetValue(trustDomain, out var old) || old.Version != resource.Version;
            _bundles = _bundles.SetItem(trustDomain, new HeldBundle(roots, sequence, source));
            Volatile.Write(ref _resources, _resources.SetItem(trustDomain, resource));
        }

        if (changed)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>Stops trusting a peer trust domain.</summary>
    public void Remove(string trustDomain)
    {
        bool changed;
        lock (_gate)
        {
            changed = _resources.ContainsKey(trustDomain);
            _bundles = _bundles.Remove(trustDomain);
            Volatile.Write(ref _resources, _resources.Remove(trustDomain));
        }

        if (changed)
        {
            Changed?.Invoke();
        }
    }

    public void Report(ResourceKey federation, MeshFederationStatus status)
    {
        lock (_gate)
        {
            _statuses = _statuses.SetItem(federation, status);
        }
    }

    public void Forget(ResourceKey federation)
    {
        lock (_gate)
        {
            _statuses = _statuses.Remove(federation);
        }
    }

    public MeshFederationStatus? StatusOf(ResourceKey federation) => Volatile.Read(ref _statuses).GetValueOrDefault(federation);
}

/// <summary>A peer bundle as held: roots, the sequence they were published with, and where they came from.</summary>
public sealed record HeldBundle(IReadOnlyList<X509Certificate2> Roots, ulong Sequence, string Source);
