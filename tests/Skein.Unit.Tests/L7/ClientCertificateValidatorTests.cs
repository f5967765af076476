using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Skein.Core.Protos.Skein;
using Skein.Proxy.L7.Configuration;
using Skein.Proxy.L7.Listeners;
using Skein.Proxy.Telemetry;
using Skein.Proxy.Xds;
using GatewayProto = Skein.Core.Protos.Skein.Gateway;

namespace Skein.Unit.Tests.L7;

/// <summary>Client certificate checks of HTTPS listeners, and the serving chain a handshake presents.</summary>
public sealed class ClientCertificateValidatorTests
{
    private static (X509Certificate2 Certificate, ECDsa Key) Ca(string subject, X509Certificate2? issuer = null, ECDsa? issuerKey = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var certificate = issuer is null
            ? request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1))
            : request.Create(issuer, DateTimeOffset.UtcNow.AddHours(-12), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));
        return (certificate, key);
    }

    private static (X509Certificate2 Certificate, ECDsa Key) Leaf(string subject, X509Certificate2 issuer, DateTimeOffset? notAfter = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("leaf.example.com");
        request.CertificateExtensions.Add(san.Build());
        return (request.Create(issuer, DateTimeOffset.UtcNow.AddHours(-2), notAfter ?? DateTimeOffset.UtcNow.AddHours(2), RandomNumberGenerator.GetBytes(8)), key);
    }

    private static ClientCertificateValidator Validator(bool fallback, params X509Certificate2[] cas) =>
        ClientCertificateValidator.From(new ClientCertValidation
        {
            CaCertificatesPem = string.Concat(cas.Select(c => c.ExportCertificatePem() + "\n")),
            AllowInsecureFallback = fallback,
        })!;

    [Fact]
    public void Only_certificates_chaining_to_a_configured_ca_are_trusted()
    {
        var (ca, caKey) = Ca("CN=client ca");
        var (other, _) = Ca("CN=other ca");
        var (intermediate, intermediateKey) = Ca("CN=intermediate", ca, caKey);
        using var withKey = intermediate.CopyWithPrivateKey(intermediateKey);
        var validator = Validator(false, other, ca);

        Assert.True(validator.IsTrusted(Leaf("CN=direct", ca).Certificate, null));
        Assert.False(validator.IsTrusted(Leaf("CN=stranger", Ca("CN=unlisted").Certificate).Certificate, null));
        Assert.False(validator.IsTrusted(null, null));
        var stats = new ProxyStats();
        Assert.False(validator.Judge(null, null, stats));
        Assert.Equal(1, stats.Read("l7.tls.client_certificate_rejected"));

        // Through an intermediate the client sent (SslStream hands it over in the chain's extra store).
        var viaIntermediate = Leaf("CN=via intermediate", withKey).Certificate;
        Assert.False(validator.IsTrusted(viaIntermediate, null));
        using var presented = new X509Chain();
        presented.ChainPolicy.ExtraStore.Add(intermediate);
        Assert.True(validator.IsTrusted(viaIntermediate, presented));
    }

    [Fact]
    public void An_expired_client_certificate_is_not_trusted()
    {
        var (ca, _) = Ca("CN=client ca");
        var expired = Leaf("CN=expired", ca, DateTimeOffset.UtcNow.AddMinutes(-1)).Certificate;

        Assert.False(Validator(false, ca).IsTrusted(expired, null));
    }

    [Fact]
    public void Insecure_fallback_accepts_every_handshake_but_still_tells_trusted_from_untrusted()
    {
        var (ca, _) = Ca("CN=client ca");
        var (other, _) = Ca("CN=other ca");
        var validator = Validator(true, ca);

        var stats = new ProxyStats();
        Assert.True(validator.Judge(null, null, stats));
        Assert.True(validator.Judge(Leaf("CN=stranger", other).Certificate, null, stats));
        Assert.True(validator.Judge(Leaf("CN=member", ca).Certificate, null, stats));
        Assert.Equal(2, stats.Read("l7.tls.client_certificate_fallback"));
        Assert.Equal(0, stats.Read("l7.tls.client_certificate_rejected"));
    }

    [Fact]
    public void A_listener_without_a_usable_ca_bundle_is_rejected()
    {
        var listener = new Listener { Name = "tls", Port = 443, Protocol = ListenerProtocol.Https, ClientValidation = new ClientCertValidation { CaCertificatesPem = "garbage" } };
        listener.Certificates.Add(ServingCertificate(Ca("CN=root").Certificate, null));
        var e = Assert.Throws<XdsRejectedException>(() => L7ConfigCompiler.Compile([Gateway(listener)], "gateway"));
        Assert.Contains("client certificate validation", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_handshake_presents_the_intermediates_that_follow_the_leaf_in_tls_crt()
    {
        var (root, rootKey) = Ca("CN=root");
        var (intermediate, intermediateKey) = Ca("CN=intermediate", root, rootKey);
        using var issuer = intermediate.CopyWithPrivateKey(intermediateKey);
        var listener = new Listener { Name = "tls", Port = 443, Protocol = ListenerProtocol.Https };
        listener.Certificates.Add(ServingCertificate(issuer, intermediate));
        var binding = Assert.Single(L7ConfigCompiler.Compile([Gateway(listener)], "gateway").Bindings.Values);

        var (selected, context) = binding.HandshakeFor("leaf.example.com");
        Assert.Equal("tls", selected!.Proto.Name);
        Assert.Equal(intermediate.Thumbprint, Assert.Single(context!.IntermediateCertificates).Thumbprint);
        Assert.Contains("CN=served", context.TargetCertificate.Subject, StringComparison.Ordinal);
        Assert.Null(selected.ClientValidation);
    }

    [Fact]
    public void Handshakes_share_the_tls_options_built_once_per_listener_configuration_until_a_push_replaces_it()
    {
        var (issuer, _) = Ca("CN=root");
        var listener = new Listener { Name = "tls", Port = 443, Protocol = ListenerProtocol.Https };
        listener.Certificates.Add(ServingCertificate(issuer, null));
        var store = new L7ConfigStore();
        store.Set(L7ConfigCompiler.Compile([Gateway(listener)], "gateway"));
        var tls = new ServerTlsOptions(store, new ProxyStats());
        var endPoint = new IPEndPoint(IPAddress.Parse("127.241.0.1"), 443);

        var (selected, first) = tls.For(endPoint, "leaf.example.com");
        Assert.Equal("tls", selected!.Proto.Name);
        Assert.Same(first, tls.For(endPoint, "leaf.example.com").Options);
        Assert.Same(first, tls.For(endPoint, null).Options);
        Assert.Same(store.Current.Bindings[endPoint].HandshakeFor("leaf.example.com").Certificate, first!.ServerCertificateContext);
        Assert.Equal([SslApplicationProtocol.Http2, SslApplicationProtocol.Http11], first.ApplicationProtocols!);
        Assert.False(first.ClientCertificateRequired);

        store.Set(L7ConfigCompiler.Compile([Gateway(listener)], "gateway"));
        var rebuilt = tls.For(endPoint, "leaf.example.com").Options;
        Assert.NotSame(first, rebuilt);
        Assert.Same(store.Current.Bindings[endPoint].HandshakeFor("leaf.example.com").Certificate, rebuilt!.ServerCertificateContext);
        Assert.Equal((null, null), tls.For(new IPEndPoint(IPAddress.Parse("127.241.0.1"), 8443), "leaf.example.com"));
    }

    [Fact]
    public void The_sni_picks_the_options_of_its_own_listener_with_that_listeners_client_validation()
    {
        var (issuer, _) = Ca("CN=root");
        var (clientCa, _) = Ca("CN=client ca");
        var guarded = new Listener
        {
            Name = "guarded",
            Port = 443,
            Protocol = ListenerProtocol.Https,
            Hostname = "guarded.example.com",
            ClientValidation = new ClientCertValidation { CaCertificatesPem = clientCa.ExportCertificatePem() },
        };
        guarded.Certificates.Add(ServingCertificate(issuer, null));
        var open = new Listener { Name = "open", Port = 443, Protocol = ListenerProtocol.Https, Hostname = "open.example.com" };
        open.Certificates.Add(ServingCertificate(issuer, null));
        var gateway = Gateway(guarded);
        gateway.Listeners.Add(open);
        var store = new L7ConfigStore();
        store.Set(L7ConfigCompiler.Compile([gateway], "gateway"));
        var tls = new ServerTlsOptions(store, new ProxyStats());
        var endPoint = new IPEndPoint(IPAddress.Parse("127.241.0.1"), 443);

        var (guardedListener, guardedOptions) = tls.For(endPoint, "guarded.example.com");
        var (openListener, openOptions) = tls.For(endPoint, "open.example.com");
        Assert.Equal(("guarded", "open"), (guardedListener!.Proto.Name, openListener!.Proto.Name));
        Assert.Same(guardedListener.CertificateContexts[0], guardedOptions!.ServerCertificateContext);
        Assert.Same(openListener.CertificateContexts[0], openOptions!.ServerCertificateContext);
        Assert.True(guardedOptions.ClientCertificateRequired);
        Assert.NotNull(guardedOptions.RemoteCertificateValidationCallback);
        Assert.False(openOptions.ClientCertificateRequired);
        Assert.Null(openOptions.RemoteCertificateValidationCallback);
        Assert.Same(guardedOptions, tls.For(endPoint, "guarded.example.com").Options);
    }

    // A leaf for leaf.example.com signed by issuer, with chain appended after it.
    private static Certificate ServingCertificate(X509Certificate2 issuer, X509Certificate2? chain)
    {
        var (leaf, key) = Leaf("CN=served", issuer);
        return new Certificate
        {
            CertificateChainPem = leaf.ExportCertificatePem() + "\n" + (chain?.ExportCertificatePem() ?? ""),
            PrivateKeyPem = key.ExportPkcs8PrivateKeyPem(),
            Source = "default/served",
        };
    }

    private static GatewayProto Gateway(Listener listener)
    {
        var gateway = new GatewayProto { Namespace = "default", Name = "gw", Identity = "spiffe://cluster.local/ns/default/sa/gw" };
        gateway.Addresses.Add(ByteString.CopyFrom(IPAddress.Parse("127.241.0.1").GetAddressBytes()));
        gateway.Listeners.Add(listener);
        return gateway;
    }
}
