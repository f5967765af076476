using System.Security.Cryptography.X509Certificates;
using Skein.Core.Identity;

namespace Skein.Unit.Tests.Identity;

public sealed class SvidValidatorTests : IDisposable
{
    private const string Domain = "example.org";
    private const string ForeignDomain = "partner.test";
    private const string WorkloadId = "spiffe://example.org/ns/shop/sa/web";

    private readonly TestPki _pki = new();
    private readonly X509Certificate2 _root;
    private readonly X509Certificate2 _foreignRoot;
    private readonly TrustBundleSet _bundles;

    public SvidValidatorTests()
    {
        _root = _pki.CreateRoot(Domain);
        _foreignRoot = _pki.CreateRoot(ForeignDomain);
        _bundles = TestPki.Bundles((Domain, _root), (ForeignDomain, _foreignRoot));
    }

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void Leaf_issued_by_its_trust_domain_root_is_valid_and_yields_its_id()
    {
        // DNS SANs may sit next to the single URI SAN (X509-SVID §2).
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { DnsNames = ["web.shop.svc"] });

        var result = SvidValidator.Validate(leaf, [], _bundles, TestPki.Now);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(SvidFailureReason.None, result.Failure);
        Assert.Equal(SpiffeId.Parse(WorkloadId), result.Id);
        Assert.True(result.Id.TryGetWorkload(out var ns, out var sa));
        Assert.Equal(("shop", "web"), (ns, sa));
    }

    [Fact]
    public void Leaf_with_key_agreement_alongside_digital_signature_is_valid()
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec
        {
            KeyUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement | X509KeyUsageFlags.KeyEncipherment,
        });

        Assert.True(SvidValidator.Validate(leaf, [], _bundles, TestPki.Now).IsValid);
    }

    [Fact]
    public void Chain_through_a_presented_intermediate_is_valid()
    {
        var intermediate = _pki.CreateIntermediate(_root, Domain);
        var leaf = _pki.CreateLeaf(intermediate);

        var result = SvidValidator.Validate(leaf, [intermediate], _bundles, TestPki.Now);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(WorkloadId, result.Id.ToString());
    }

    [Fact]
    public void Chain_through_two_intermediates_is_valid()
    {
        var first = _pki.CreateIntermediate(_root, Domain);
        var second = _pki.CreateIntermediate(first, Domain);
        var leaf = _pki.CreateLeaf(second);

        Assert.True(SvidValidator.Validate(leaf, [second, first], _bundles, TestPki.Now).IsValid);
    }

    [Fact]
    public void Leaf_that_is_a_CA_is_rejected()
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { IsCa = true });
        AssertRejected(leaf, SvidFailureReason.LeafIsCa);
    }

    [Fact]
    public void Leaf_without_basic_constraints_is_treated_as_not_a_CA()
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { IsCa = null });
        Assert.True(SvidValidator.Validate(leaf, [], _bundles, TestPki.Now).IsValid);
    }

    [Fact]
    public void Two_uri_sans_are_rejected_even_if_both_are_spiffe_ids()
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { Uris = [WorkloadId, "spiffe://example.org/ns/shop/sa/admin"] });
        AssertRejected(leaf, SvidFailureReason.MultipleUriSans);
    }

    [Fact]
    public void Zero_uri_sans_are_rejected()
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { Uris = [], DnsNames = ["web.shop.svc"] });
        AssertRejected(leaf, SvidFailureReason.NoUriSan);
    }

    [Fact]
    public void Missing_san_extension_is_rejected()
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { IncludeSan = false });
        AssertRejected(leaf, SvidFailureReason.NoUriSan);
    }

    [Theory]
    [InlineData("https://example.org/ns/shop/sa/web")]
    [InlineData("spiffe://example.org/ns/shop/sa/web/")]
    [InlineData("spiffe://example.org/ns/../sa/web")]
    public void Uri_san_that_is_not_a_valid_spiffe_id_is_rejected(string uri)
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { Uris = [uri] });
        AssertRejected(leaf, SvidFailureReason.InvalidSpiffeId);
    }

    [Theory]
    [InlineData(new byte[] { 0x30, 0x05, 0x86, 0x09, 0x73 })]             // URI length runs past the end
    [InlineData(new byte[] { 0x30, 0x03, 0x86, 0x01, 0xFF })]             // non-ASCII byte in an IA5String
    [InlineData(new byte[] { 0x30, 0x00, 0x30, 0x00 })]                   // trailing data after GeneralNames
    [InlineData(new byte[] { 0xA6, 0x03, 0x16, 0x01, 0x61 })]             // not a SEQUENCE
    public void Malformed_san_extension_is_rejected(byte[] rawSan)
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { RawSan = rawSan });
        AssertRejected(leaf, SvidFailureReason.MalformedExtension);
    }

    [Fact]
    public void Spiffe_id_without_a_path_is_rejected_for_a_leaf()
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { Uris = ["spiffe://example.org"] });
        AssertRejected(leaf, SvidFailureReason.MissingPath);
    }

    [Theory]
    [InlineData(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign)]
    [InlineData(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.CrlSign)]
    public void Leaf_with_signing_key_usage_is_rejected(X509KeyUsageFlags usage)
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { KeyUsage = usage });
        AssertRejected(leaf, SvidFailureReason.SigningKeyUsage);
    }

    [Fact]
    public void Leaf_without_digital_signature_is_rejected()
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { KeyUsage = X509KeyUsageFlags.KeyEncipherment });
        AssertRejected(leaf, SvidFailureReason.MissingDigitalSignature);
    }

    [Fact]
    public void Leaf_without_key_usage_is_rejected()
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { KeyUsage = null });
        AssertRejected(leaf, SvidFailureReason.MissingKeyUsage);
    }

    [Fact]
    public void Leaf_signed_by_another_trust_domains_root_is_rejected()
    {
        // The foreign root is trusted, but only for its own domain; it must not mint example.org IDs.
        var leaf = _pki.CreateLeaf(_foreignRoot);
        AssertRejected(leaf, SvidFailureReason.UntrustedChain);
    }

    [Fact]
    public void Leaf_signed_through_an_intermediate_under_a_foreign_root_is_rejected()
    {
        var intermediate = _pki.CreateIntermediate(_foreignRoot, Domain);
        var leaf = _pki.CreateLeaf(intermediate);
        AssertRejected(leaf, SvidFailureReason.UntrustedChain, [intermediate, _foreignRoot]);
    }

    [Fact]
    public void Foreign_root_presented_as_an_intermediate_is_not_trusted()
    {
        var leaf = _pki.CreateLeaf(_foreignRoot);
        AssertRejected(leaf, SvidFailureReason.UntrustedChain, [_foreignRoot]);
    }

    [Fact]
    public void Impostor_CA_with_the_trusted_roots_exact_name_is_rejected()
    {
        // Same subject DN as the real root, different key: name matching alone must not be enough.
        using var impostorPki = new TestPki();
        var impostor = impostorPki.CreateRoot(Domain, subject: _root.Subject);
        var leaf = impostorPki.CreateLeaf(impostor);

        AssertRejected(leaf, SvidFailureReason.UntrustedChain);
        AssertRejected(leaf, SvidFailureReason.UntrustedChain, [impostor]);
    }

    [Fact]
    public void Leaf_issued_by_a_non_CA_certificate_is_rejected()
    {
        var notACa = _pki.CreateLeaf(_root, new LeafSpec { Uris = ["spiffe://example.org/ns/shop/sa/other"] });
        var leaf = _pki.CreateLeaf(notACa);
        AssertRejected(leaf, SvidFailureReason.UntrustedChain, [notACa]);
    }

    [Fact]
    public void Missing_intermediate_is_rejected()
    {
        var intermediate = _pki.CreateIntermediate(_root, Domain);
        var leaf = _pki.CreateLeaf(intermediate);
        AssertRejected(leaf, SvidFailureReason.UntrustedChain, []);
    }

    [Fact]
    public void Trust_domain_without_a_bundle_is_rejected()
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { Uris = ["spiffe://elsewhere.test/ns/shop/sa/web"] });
        AssertRejected(leaf, SvidFailureReason.UnknownTrustDomain);
    }

    [Fact]
    public void Expired_leaf_is_rejected()
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { NotBefore = TestPki.Now.AddDays(-2), NotAfter = TestPki.Now.AddDays(-1) });
        AssertRejected(leaf, SvidFailureReason.Expired);
    }

    [Fact]
    public void Not_yet_valid_leaf_is_rejected()
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { NotBefore = TestPki.Now.AddHours(1), NotAfter = TestPki.Now.AddDays(1) });
        AssertRejected(leaf, SvidFailureReason.NotYetValid);
    }

    [Fact]
    public void Verification_time_comes_from_the_caller_not_the_clock()
    {
        var leaf = _pki.CreateLeaf(_root);
        var notAfter = new DateTimeOffset(leaf.NotAfter);

        Assert.True(SvidValidator.Validate(leaf, [], _bundles, notAfter.AddSeconds(-1)).IsValid);
        Assert.Equal(SvidFailureReason.Expired, SvidValidator.Validate(leaf, [], _bundles, notAfter.AddSeconds(1)).Failure);
    }

    [Fact]
    public void Expired_intermediate_is_rejected_as_expired()
    {
        var intermediate = _pki.CreateIntermediate(_root, Domain, TestPki.Now.AddDays(-10), TestPki.Now.AddDays(-1));
        var leaf = _pki.CreateLeaf(intermediate);

        var result = AssertRejected(leaf, SvidFailureReason.Expired, [intermediate]);
        Assert.Contains("intermediate", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replacing_a_bundle_revokes_trust_in_the_old_root()
    {
        var leaf = _pki.CreateLeaf(_root);
        Assert.True(SvidValidator.Validate(leaf, [], _bundles, TestPki.Now).IsValid);

        _bundles.Set(Domain, [_pki.CreateRoot(Domain)]);

        AssertRejected(leaf, SvidFailureReason.UntrustedChain);
    }

    [Fact]
    public void Every_rejection_reason_gets_a_message_and_hides_the_id()
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { IsCa = true });
        var result = SvidValidator.Validate(leaf, [], _bundles, TestPki.Now);

        Assert.False(result.IsValid);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
        Assert.Throws<InvalidOperationException>(() => result.Id);
    }

    [Fact]
    public void TryGetSpiffeId_reads_the_single_uri_san()
    {
        var leaf = _pki.CreateLeaf(_root);
        Assert.True(SvidValidator.TryGetSpiffeId(leaf, out var id, out var error), error);
        Assert.Equal(WorkloadId, id.ToString());

        // Signing certificates carry a path-less ID, which is a valid SPIFFE ID in its own right.
        Assert.True(SvidValidator.TryGetSpiffeId(_root, out var rootId, out _));
        Assert.Equal("spiffe://example.org", rootId.ToString());
    }

    [Theory]
    [InlineData(new string[0], "no URI")]
    [InlineData(new[] { WorkloadId, "spiffe://example.org/other" }, "2 URI")]
    [InlineData(new[] { "urn:example:web" }, "not a valid SPIFFE ID")]
    public void TryGetSpiffeId_explains_failures(string[] uris, string reason)
    {
        var leaf = _pki.CreateLeaf(_root, new LeafSpec { Uris = uris, DnsNames = ["web.shop.svc"] });
        Assert.False(SvidValidator.TryGetSpiffeId(leaf, out var id, out var error));
        Assert.Equal(default, id);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    private SvidValidationResult AssertRejected(X509Certificate2 leaf, SvidFailureReason expected, X509Certificate2[]? intermediates = null)
    {
        var result = SvidValidator.Validate(leaf, intermediates ?? [], _bundles, TestPki.Now);
        Assert.False(result.IsValid);
        Assert.True(expected == result.Failure, $"expected {expected}, got {result}");
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
        return result;
    }
}
