using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Skein.Core.Identity;

namespace Skein.Unit.Tests.Identity;

public sealed class SpiffeBundleJsonTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void Encodes_the_spiffe_members_and_decodes_back_to_the_same_roots()
    {
        var a = _pki.CreateRoot("a.test");
        var b = _pki.CreateRoot("a.test", "CN=second root");

        var json = SpiffeBundleJson.Encode(new SpiffeBundle([a, b], 42, TimeSpan.FromMinutes(5)));

        var document = JsonNode.Parse(json)!.AsObject();
        Assert.Equal(42ul, document["spiffe_sequence"]!.GetValue<ulong>());
        Assert.Equal(300, document["spiffe_refresh_hint"]!.GetValue<int>());
        var key = document["keys"]!.AsArray()[0]!.AsObject();
        Assert.Equal("x509-svid", key["use"]!.GetValue<string>());
        Assert.Equal("EC", key["kty"]!.GetValue<string>());
        Assert.Equal("P-256", key["crv"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(key["x"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(key["y"]!.GetValue<string>()));
        Assert.Equal(Convert.ToBase64String(a.RawData), key["x5c"]!.AsArray().Single()!.GetValue<string>());

        var decoded = SpiffeBundleJson.Decode(json);
        Assert.Equal([a.Thumbprint, b.Thumbprint], decoded.Roots.Select(r => r.Thumbprint));
        Assert.Equal(42ul, decoded.Sequence);
        Assert.Equal(TimeSpan.FromMinutes(5), decoded.RefreshHint);
    }

    [Fact]
    public void Keys_of_other_uses_are_skipped_and_the_spiffe_members_are_optional()
    {
        var root = _pki.CreateRoot("a.test");
        var json = $$"""
            {"keys": [
              {"use": "jwt-svid", "kty": "EC", "kid": "k1", "crv": "P-256", "x": "AA", "y": "AA"},
              {"use": "x509-svid", "kty": "EC", "x5c": ["{{Convert.ToBase64String(root.RawData)}}"]}
            ]}
            """;

        var bundle = SpiffeBundleJson.Decode(Encoding.UTF8.GetBytes(json));

        Assert.Equal(root.Thumbprint, Assert.Single(bundle.Roots).Thumbprint);
        Assert.Null(bundle.Sequence);
        Assert.Null(bundle.RefreshHint);
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[]", "not a JSON object")]
    [InlineData("{}", "\"keys\" is missing")]
    [InlineData("{\"keys\": []}", "no \"x509-svid\" key")]
    [InlineData("{\"keys\": [{\"use\": \"jwt-svid\", \"kty\": \"EC\"}]}", "no \"x509-svid\" key")]
    [InlineData("{\"keys\": [{\"use\": \"x509-svid\", \"kty\": \"EC\"}]}", "keys[0]: an x509-svid key needs \"x5c\"")]
    [InlineData("{\"keys\": [{\"kty\": \"EC\", \"x5c\": []}]}", "keys[0]: \"use\" is missing")]
    [InlineData("{\"keys\": [{\"use\": \"x509-svid\", \"kty\": \"EC\", \"x5c\": []}]}", "exactly one certificate, got 0")]
    [InlineData("{\"keys\": [{\"use\": \"x509-svid\", \"kty\": \"EC\", \"x5c\": [\"%%%not base64\"]}]}", "is not base64")]
    [InlineData("{\"keys\": [{\"use\": \"x509-svid\", \"kty\": \"EC\", \"x5c\": [\"AAECAw==\"]}]}", "is not a DER certificate")]
    public void Malformed_documents_are_refused_with_the_reason(string json, string reason)
    {
        var e = Assert.Throws<SpiffeBundleFormatException>(() => SpiffeBundleJson.Decode(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_leaf_certificate_is_not_a_root()
    {
        var root = _pki.CreateRoot("a.test");
        var leaf = _pki.CreateLeaf(root);
        var json = $$"""{"keys": [{"use": "x509-svid", "kty": "EC", "x5c": ["{{Convert.ToBase64String(leaf.RawData)}}"]}]}""";

        var e = Assert.Throws<SpiffeBundleFormatException>(() => SpiffeBundleJson.Decode(Encoding.UTF8.GetBytes(json)));

        Assert.Contains("is not a CA certificate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_type_that_contradicts_the_certificate_is_refused()
    {
        var root = _pki.CreateRoot("a.test");
        var json = $$"""{"keys": [{"use": "x509-svid", "kty": "RSA", "x5c": ["{{Convert.ToBase64String(root.RawData)}}"]}]}""";

        var e = Assert.Throws<SpiffeBundleFormatException>(() => SpiffeBundleJson.Decode(Encoding.UTF8.GetBytes(json)));

        Assert.Contains("\"kty\" is RSA but the certificate's key is EC", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"spiffe_sequence\": -1", "spiffe_sequence")]
    [InlineData("\"spiffe_sequence\": \"7\"", "spiffe_sequence")]
    [InlineData("\"spiffe_refresh_hint\": 0", "spiffe_refresh_hint")]
    [InlineData("\"spiffe_refresh_hint\": 1.5", "spiffe_refresh_hint")]
    public void Bad_spiffe_members_are_refused(string member, string field)
    {
        var root = _pki.CreateRoot("a.test");
        var json = $$"""{"keys": [{"use": "x509-svid", "kty": "EC", "x5c": ["{{Convert.ToBase64String(root.RawData)}}"]}], {{member}}}""";

        var e = Assert.Throws<SpiffeBundleFormatException>(() => SpiffeBundleJson.Decode(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(field, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_federated_svid_verifies_only_against_the_bundle_of_its_own_trust_domain()
    {
        var localRoot = _pki.CreateRoot("mesh-a.test");
        var peerRoot = _pki.CreateRoot("mesh-b.test");
        var decoded = SpiffeBundleJson.Decode(SpiffeBundleJson.Encode(new SpiffeBundle([peerRoot], 1, null)));
        var bundles = new TrustBundleSet();
        bundles.Set("mesh-a.test", [localRoot]);
        bundles.Set("mesh-b.test", decoded.Roots);

        var peer = _pki.CreateLeaf(peerRoot, new LeafSpec { Uris = ["spiffe://mesh-b.test/ns/default/sa/client"] });
        var forged = _pki.CreateLeaf(localRoot, new LeafSpec { Uris = ["spiffe://mesh-b.test/ns/default/sa/client"] });
        var unknown = _pki.CreateLeaf(_pki.CreateRoot("mesh-c.test"), new LeafSpec { Uris = ["spiffe://mesh-c.test/ns/default/sa/client"] });

        Assert.True(SvidValidator.Validate(peer, [], bundles, TestPki.Now).IsValid);
        Assert.Equal(SvidFailureReason.UntrustedChain, SvidValidator.Validate(forged, [], bundles, TestPki.Now).Failure);
        Assert.Equal(SvidFailureReason.UnknownTrustDomain, SvidValidator.Validate(unknown, [], bundles, TestPki.Now).Failure);
        Assert.IsType<X509Certificate2>(decoded.Roots[0]);
    }
}
