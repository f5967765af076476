using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Skein.Control;
using Skein.Control.Federation;
using Skein.Control.Store;
using Skein.Core.Configuration;
using Skein.Core.Identity;
using Skein.Core.Resources;
using Skein.Unit.Tests.Identity;

namespace Skein.Unit.Tests.Federation;

/// <summary>The control plane's refresh loops against a real HTTPS bundle endpoint on loopback (profile https_spiffe).</summary>
public sealed class FederationRefresherTests : IAsyncLifetime
{
    private const string EndpointId = "spiffe://peer.test/ns/skein-system/sa/skein-control";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly ResourceKey Key = new("MeshFederation", "skein-system", "peer");

    private readonly TestPki _pki = new();
    private readonly string _configDir = Directory.CreateTempSubdirectory("skein-federation-").FullName;
    private X509Certificate2 _peerRoot = null!;
    private WebApplication _endpoint = null!;
    private Func<HttpContext, IResult> _answer = _ => Results.StatusCode(500);
    private Uri _url = null!;

    public async Task InitializeAsync()
    {
        _peerRoot = _pki.CreateRoot("peer.test");
        var serving = ServingCertificate(EndpointId);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(serving)));
        _endpoint = builder.Build();
        _endpoint.MapGet(BundleEndpoint.Path, (HttpContext context) => _answer(context));
        await _endpoint.StartAsync();
        _url = new Uri(new Uri(_endpoint.Urls.Single()), BundleEndpoint.Path);
        File.WriteAllText(Path.Combine(_configDir, "peer-root.pem"), _peerRoot.ExportCertificatePem());
    }

    public async Task DisposeAsync()
    {
        await _endpoint.DisposeAsync();
        _pki.Dispose();
        Directory.Delete(_configDir, recursive: true);
    }

    [Fact]
    public async Task Fetches_the_peer_bundle_reports_it_and_withdraws_it_when_the_federation_is_removed()
    {
        var rotated = _pki.CreateRoot("peer.test", "CN=rotated");
        _answer = _ => Results.Bytes(SpiffeBundleJson.Encode(new SpiffeBundle([_peerRoot, rotated], 9, TimeSpan.FromMinutes(10))), "application/json");
        var (store, bundles, refresher) = Start(Federation());

        var status = await StatusAsync(bundles, s => Condition(s, "BundleFetched") == "True");

        Assert.Equal("True", Condition(status, "Ready"));
        Assert.Equal(9ul, status.Sequence);
        Assert.Equal(2, status.Roots);
        Assert.Equal("endpoint", status.Source);
        Assert.NotNull(status.LastRefreshTime);
        Assert.Equal(status.LastRefreshTime + TimeSpan.FromMinutes(10), status.NextRefreshTime);
        Assert.True(bundles.TryGet("peer.test", out var held));
        Assert.Equal([_peerRoot.Thumbprint, rotated.Thumbprint], held.Roots.Select(r => r.Thumbprint));

        store.Apply("test.yaml", ResourceLoader.LoadText("", "test.yaml"));
        Assert.False(bundles.TryGet("peer.test", out _));
        Assert.Null(bundles.StatusOf(Key));
        await refresher.StopAsync(default);
    }

    [Fact]
    public async Task A_failing_endpoint_keeps_the_bundle_held_and_says_why()
    {
        _answer = _ => Results.Text("{\"keys\": []}", "application/json");
        var (_, bundles, refresher) = Start(Federation());

        var status = await StatusAsync(bundles, s => Reason(s, "BundleFetched") == "InvalidBundle");

        Assert.Equal("True", Condition(status, "Ready")); // the bootstrap roots are still trusted
        Assert.Equal("bootstrap", status.Source);
        Assert.Contains("no \"x509-svid\" key", status.Conditions.Single(c => c.Type == "BundleFetched").Message, StringComparison.Ordinal);
        Assert.True(bundles.TryGet("peer.test", out var held));
        Assert.Equal(_peerRoot.Thumbprint, Assert.Single(held.Roots).Thumbprint);

        _answer = _ => Results.StatusCode(503);
        status = await StatusAsync(bundles, s => Reason(s, "BundleFetched") == "FetchFailed");
        Assert.Contains("503", status.Conditions.Single(c => c.Type == "BundleFetched").Message, StringComparison.Ordinal);
        Assert.True(bundles.TryGet("peer.test", out _));
        await refresher.StopAsync(default);
    }

    [Fact]
    public async Task An_endpoint_with_another_spiffe_id_or_without_a_bootstrap_bundle_is_not_trusted()
    {
        _answer = _ => Results.Bytes(SpiffeBundleJson.Encode(new SpiffeBundle([_peerRoot], 1, null)), "application/json");
        var (_, bundles, refresher) = Start(Federation(endpointId: "spiffe://peer.test/ns/skein-system/sa/someone-else"));

        var status = await StatusAsync(bundles, s => Reason(s, "BundleFetched") == "EndpointNotAuthenticated");
        Assert.Contains($"it presented {EndpointId}", status.Conditions.Single(c => c.Type == "BundleFetched").Message, StringComparison.Ordinal);
        await refresher.StopAsync(default);

        (_, bundles, refresher) = Start(Federation(bootstrap: false));
        status = await StatusAsync(bundles, s => Reason(s, "BundleFetched") == "NoBootstrapBundle");
        Assert.Equal("False", Condition(status, "Ready"));
        Assert.False(bundles.TryGet("peer.test", out _));
        await refresher.StopAsync(default);
    }

    [Fact]
    public async Task Https_web_requires_a_web_pki_certificate()
    {
        _answer = _ => Results.Bytes(SpiffeBundleJson.Encode(new SpiffeBundle([_peerRoot], 1, null)), "application/json");
        var yaml = Federation().Replace("bundleEndpointProfile: https_spiffe", "bundleEndpointProfile: https_web", StringComparison.Ordinal)
            .Replace($"endpointSPIFFEID: {EndpointId}", "", StringComparison.Ordinal);
        var (_, bundles, refresher) = Start(yaml);

        // The SVID of the test endpoint chains to no system root: refused, and the bootstrap roots stay in force.
        var status = await StatusAsync(bundles, s => Reason(s, "BundleFetched") == "FetchFailed");

        Assert.Equal("bootstrap", status.Source);
        await refresher.StopAsync(default);
    }

    [Fact]
    public async Task The_local_trust_domain_and_a_second_federation_of_the_same_domain_are_not_used()
    {
        var yaml = Federation() + "---\n" + Federation().Replace("name: peer", "name: peer-again", StringComparison.Ordinal)
            + "---\n" + Federation().Replace("name: peer", "name: self", StringComparison.Ordinal).Replace("trustDomain: peer.test", "trustDomain: local.test", StringComparison.Ordinal)
                .Replace(EndpointId, "spiffe://local.test/x", StringComparison.Ordinal);
        var (_, bundles, refresher) = Start(yaml);

        var again = bundles.StatusOf(Key with { Name = "peer-again" });
        var self = bundles.StatusOf(Key with { Name = "self" });

        Assert.Equal("Conflicted", Reason(again!, "Ready"));
        Assert.Equal("LocalTrustDomain", Reason(self!, "Ready"));
        Assert.False(bundles.TryGet("local.test", out _));
        await refresher.StopAsync(default);
    }

    private (ConfigStore Store, FederatedBundles Bundles, FederationRefresher Refresher) Start(string yaml)
    {
        var store = TestConfig.Store(yaml);
        var bundles = new FederatedBundles();
        var refresher = new FederationRefresher(store, bundles, new ControlPlaneOptions { ConfigDirectory = _configDir, TrustDomain = "local.test" },
            TimeProvider.System, NullLogger<FederationRefresher>.Instance);
        refresher.StartAsync(default).GetAwaiter().GetResult();
        return (store, bundles, refresher);
    }

    private string Federation(string endpointId = EndpointId, bool bootstrap = true) => $"""
        apiVersion: skein.dev/v1alpha1
        kind: MeshFederation
        metadata:
          name: peer
          namespace: skein-system
        spec:
          trustDomain: peer.test
          bundleEndpointURL: {_url}
          bundleEndpointProfile: https_spiffe
          endpointSPIFFEID: {endpointId}
        {(bootstrap ? "  trustBundleFile: peer-root.pem\n" : "")}
        """;

    private static async Task<MeshFederationStatus> StatusAsync(FederatedBundles bundles, Func<MeshFederationStatus, bool> done)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            if (bundles.StatusOf(Key) is { } status && done(status))
            {
                return status;
            }

            await Task.Delay(20, timeout.Token);
        }
    }

    private static string? Condition(MeshFederationStatus status, string type) => status.Conditions.SingleOrDefault(c => c.Type == type)?.Status;

    private static string? Reason(MeshFederationStatus status, string type) => status.Conditions.SingleOrDefault(c => c.Type == type)?.Reason;

    private X509Certificate2 ServingCertificate(string id)
    {
        var leaf = _pki.CreateLeaf(_peerRoot, new LeafSpec
        {
            Uris = [id],
            KeyUsage = System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.DigitalSignature,
            NotBefore = DateTimeOffset.UtcNow.AddMinutes(-5),
            NotAfter = DateTimeOffset.UtcNow.AddHours(1),
        });
        // Kestrel on Linux wants a key it can export to an SslStream context; round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(leaf.Export(X509ContentType.Pkcs12), null);
    }
}
