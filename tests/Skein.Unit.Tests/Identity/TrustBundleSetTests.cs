using Skein.Core.Identity;

namespace Skein.Unit.Tests.Identity;

public sealed class TrustBundleSetTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void Set_get_and_remove_bundles_per_trust_domain()
    {
        var set = new TrustBundleSet();
        var a = _pki.CreateRoot("a.test");
        var b = _pki.CreateRoot("b.test");

        set.Set("a.test", [a]);
        set.Set("b.test", [b, a]);

        Assert.True(set.TryGetRoots("a.test", out var rootsA));
        Assert.Equal([a], rootsA);
        Assert.True(set.TryGetRoots("b.test", out var rootsB));
        Assert.Equal([b, a], rootsB);
        Assert.Equal(["a.test", "b.test"], set.TrustDomains.Order());

        Assert.True(set.Remove("a.test"));
        Assert.False(set.Remove("a.test"));
        Assert.False(set.TryGetRoots("a.test", out var none));
        Assert.Empty(none);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Example.org")]
    [InlineData("example.org:443")]
    [InlineData("spiffe://example.org")]
    public void Trust_domain_keys_must_be_canonical_names(string trustDomain)
    {
        var set = new TrustBundleSet();
        Assert.Throws<ArgumentException>(() => set.Set(trustDomain, [_pki.CreateRoot("example.org")]));
    }

    [Fact]
    public void Empty_bundle_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new TrustBundleSet().Set("example.org", []));
    }
}
