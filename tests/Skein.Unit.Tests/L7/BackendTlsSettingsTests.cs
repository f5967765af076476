using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Skein.Core.Identity;
using Skein.Core.Protos.Skein;
using Skein.Proxy.L7.Forwarding;
using Skein.Unit.Tests.Identity;

namespace Skein.Unit.Tests.L7;

public sealed class BackendTlsSettingsTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _otherCa;

    public BackendTlsSettingsTests()
    {
        _ca = _pki.CreateRoot("backend.test", "CN=backend ca");
        _otherCa = _pki.CreateRoot("other.test", "CN=other ca");
    }

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void A_certificate_from_the_policys_CA_carrying_the_hostname_is_accepted()
    {
        var leaf = Leaf(_ca, dns: ["abc.example.com"]);

        Assert.Null(Settings(_ca, "abc.example.com").Verify(leaf, null, SslPolicyErrors.None));
    }

    [Fact]
    public void A_certificate_from_another_CA_is_refused_whatever_the_platform_says()
    {
        var leaf = Leaf(_otherCa, dns: ["abc.example.com"]);

        Assert.Contains("does not chain", Settings(_ca, "abc.example.com").Verify(leaf, null, SslPolicyErrors.None), StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_without_a_wanted_name_is_refused()
    {
        var leaf = Leaf(_ca, dns: ["abc.example.com"]);

        Assert.Contains("none of the names mismatch.example.com", Settings(_ca, "mismatch.example.com").Verify(leaf, null, SslPolicyErrors.None), StringComparison.Ordinal);
    }

    [Fact]
    public void Subject_alt_names_match_by_DNS_wildcard_or_exact_URI()
    {
        var leaf = Leaf(_ca, dns: ["*.example.com"], uris: ["spiffe://abc.example.com/test-identity"]);

        Assert.Null(Settings(_ca, "x", dns: ["abc.example.com"]).Verify(leaf, null, SslPolicyErrors.None));
        Assert.NotNull(Settings(_ca, "x", dns: ["a.b.example.com"]).Verify(leaf, null, SslPolicyErrors.None));
        Assert.Null(Settings(_ca, "x", dns: ["def.example.com"], uris: ["spiffe://abc.example.com/test-identity"]).Verify(leaf, null, SslPolicyErrors.None));
        Assert.NotNull(Settings(_ca, "x", uris: ["spiffe://def.example.com/test-identity"]).Verify(leaf, null, SslPolicyErrors.None));
    }

    [Theory]
    [InlineData("*.example.com", "abc.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("ABC.example.com.", "abc.example.com", true)]
    [InlineData("abc.example.com", "abd.example.com", false)]
    public void Dns_names_match_as_TLS_clients_match_them(string presented, string wanted, bool matches) =>
        Assert.Equal(matches, SubjectAltNames.DnsMatches(presented, wanted));

    [Theory]
    [InlineData(false, "http/1.1")]
    [InlineData(true, "h2")]
    public async Task The_handshake_sends_the_policys_SNI_presents_the_gateways_client_certificate_and_offers_the_protocol(bool http2, string alpn)
    {
        var server = Leaf(_ca, dns: ["abc.example.com"]);
        var client = Leaf(_ca, dns: ["client"]);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        string? sni = null;
        string? presented = null;
        string? negotiated = null;
        var serving = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptTcpClientAsync();
            await using var ssl = new SslStream(accepted.GetStream());
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateSelectionCallback = (_, name) =>
                {
                    sni = name;
                    return server;
                },
                ClientCertificateRequired = true,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => (presented = certificate?.GetCertHashString()) is not null,
                ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
            });
            negotiated = ssl.NegotiatedApplicationProtocol.ToString();
            await ssl.WriteAsync("ok"u8.ToArray());
        });

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        await using var stream = await Settings(_ca, "abc.example.com").ConnectAsync(tcp.GetStream(), client, http2, CancellationToken.None);
        var buffer = new byte[2];
        await stream.ReadExactlyAsync(buffer);
        await serving;

        Assert.Equal("abc.example.com", sni);
        Assert.Equal(client.Thumbprint, presented);
        Assert.Equal(alpn, negotiated);
    }

    [Fact]
    public async Task A_failed_verification_ends_the_connection_with_a_reason_naming_the_policy()
    {
        var server = Leaf(_otherCa, dns: ["abc.example.com"]);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptTcpClientAsync();
            await using var ssl = new SslStream(accepted.GetStream());
            try
            {
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = server });
            }
            catch (Exception e) when (e is AuthenticationException or IOException)
            {
                // The client aborts the handshake.
            }
        });

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var error = await Assert.ThrowsAsync<AuthenticationException>(() => Settings(_ca, "abc.example.com").ConnectAsync(tcp.GetStream(), null, http2: false, CancellationToken.None));
        await serving;

        Assert.Contains("BackendTLSPolicy infra/p", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not chain", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_are_compiled_once_per_configuration_object_and_keyed_by_content()
    {
        var proto = Proto(_ca, "abc.example.com", ["abc.example.com"], []);

        Assert.Same(BackendTlsSettings.For(proto), BackendTlsSettings.For(proto));
        Assert.Equal(BackendTlsSettings.For(proto).Key, BackendTlsSettings.For(proto.Clone()).Key);
        Assert.NotEqual(BackendTlsSettings.For(proto).Key, BackendTlsSettings.For(Proto(_ca, "other.example.com", ["abc.example.com"], [])).Key);
        Assert.NotNull(BackendTlsSettings.For(new BackendTls { Policy = "infra/p", CaBundlePem = "garbage" }).Problem);
    }

    private X509Certificate2 Leaf(X509Certificate2 issuer, string[] dns, string[]? uris = null) =>
        _pki.CreateLeaf(issuer, new LeafSpec
        {
            DnsNames = dns,
            Uris = uris ?? [],
            // Verified against the wall clock (the TLS handshake's time), unlike the SVID tests' fixed time.
            NotBefore = DateTimeOffset.UtcNow.AddHours(-1),
            NotAfter = DateTimeOffset.UtcNow.AddHours(1),
        });

    private static BackendTlsSettings Settings(X509Certificate2 ca, string serverName, string[]? dns = null, string[]? uris = null) =>
        BackendTlsSettings.For(Proto(ca, serverName, dns ?? (uris is null ? [serverName] : []), uris ?? []));

    private static BackendTls Proto(X509Certificate2 ca, string serverName, string[] dns, string[] uris)
    {
        var proto = new BackendTls { Policy = "infra/p", ServerName = serverName, CaBundlePem = ca.ExportCertificatePem() };
        proto.DnsNames.AddRange(dns);
        proto.Uris.AddRange(uris);
        return proto;
    }
}
