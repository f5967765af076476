using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>
/// A gateway whose HTTPS listeners validate client certificates (spec.tls.frontend) and present a two-level
/// chain (root → intermediate → leaf, tls.crt holding leaf and intermediate).
/// </summary>
public sealed class ClientCertificateMesh : IAsyncLifetime
{
    public TestMesh Mesh { get; } = new();

    public IPAddress GatewayAddress => Mesh.Block.Host(20);

    public IPAddress GatewayProxy => Mesh.Block.Host(3);

    /// <summary>The root of the serving chain; clients trust only this.</summary>
    public X509Certificate2 ServerRoot { get; private set; } = null!;

    /// <summary>The CA the Gateway trusts for client certificates.</summary>
    public Authority ClientCa { get; } = Authority.Create("CN=Client CA");

    /// <summary>A CA the Gateway does not trust.</summary>
    public Authority OtherCa { get; } = Authority.Create("CN=Other CA");

    public async Task InitializeAsync()
    {
        var serverRoot = Authority.Create("CN=Server Root");
        var intermediate = serverRoot.IssueAuthority("CN=Server Intermediate");
        ServerRoot = serverRoot.Certificate;
        var (leaf, leafKey) = intermediate.IssueLeaf("CN=secure.example.com", "secure.example.com", serverAuth: true);
        Mesh.WriteConfig("mesh.yaml",
            Yaml.Service("echo-v1", "default", 80, 8080, "v1") +
            Yaml.Workload("echo-v1-1", "default", "node-1", Mesh.Block.Host(10), "v1", "echo"));
        Mesh.WriteConfig("gateway.yaml", $$"""
            apiVersion: v1
            kind: Secret
            metadata: {name: chain-cert, namespace: default}
            type: kubernetes.io/tls
            stringData:
              tls.crt: |
            {{Indent(leaf.ExportCertificatePem() + "\n" + intermediate.Certificate.ExportCertificatePem(), "    ")}}
              tls.key: |
            {{Indent(leafKey, "    ")}}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: client-ca, namespace: default}
            data:
              ca.crt: |
            {{Indent(ClientCa.Certificate.ExportCertificatePem(), "    ")}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: mtls, namespace: default}
            spec:
              gatewayClassName: skein
              addresses: [{type: IPAddress, value: "{{GatewayAddress}}"}]
              tls:
                frontend:
                  default:
                    validation:
                      caCertificateRefs: [{kind: ConfigMap, group: "", name: client-ca}]
                  perPort:
                  - port: 9443
                    tls:
                      validation:
                        mode: AllowInsecureFallback
                        caCertificateRefs: [{kind: ConfigMap, group: "", name: client-ca}]
              listeners:
              - name: strict
                port: 8443
                protocol: HTTPS
                hostname: secure.example.com
                tls: {certificateRefs: [{name: chain-cert}]}
              - name: fallback
                port: 9443
                protocol: HTTPS
                tls: {certificateRefs: [{name: chain-cert}]}
            ---
            # Another team's Gateway on the same address and port, without client validation: a handshake it answers
            # must not reach the mtls Gateway's listener.
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: aaa-open, namespace: default}
            spec:
              gatewayClassName: skein
              addresses: [{type: IPAddress, value: "{{GatewayAddress}}"}]
              listeners:
              - name: open
                port: 8443
                protocol: HTTPS
                hostname: open.example.com
                tls: {certificateRefs: [{name: chain-cert}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: app, namespace: default}
            spec:
              parentRefs: [{name: mtls}, {name: aaa-open}]
              rules: [{backendRefs: [{name: echo-v1, port: 80}]}]
            """);
        await Mesh.StartEchoAsync("echo-v1-1", new IPEndPoint(Mesh.Block.Host(10), 8080));
        await Mesh.StartGatewayPathAsync(Mesh.Block.Host(2), GatewayProxy);
        try
        {
            await TestMesh.EventuallyAsync(async () =>
            {
                try
                {
                    return (await GetAsync(8443, ClientCa.IssueClient("CN=probe"))).StartsWith("HTTP/1.1 200", StringComparison.Ordinal);
                }
                catch (Exception e) when (e is IOException or SocketException or AuthenticationException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(30), "the gateway to serve mTLS on :8443");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{Mesh.Logs}", e);
        }
    }

    /// <summary>
    /// One HTTP/1.1 request over TLS to <paramref name="port"/> with SNI secure.example.com, trusting only
    /// <see cref="ServerRoot"/> (no fallback to the machine's store): the raw response text.
    /// </summary>
    public async Task<string> GetAsync(int port, X509Certificate2? clientCertificate, string serverName = "secure.example.com", string host = "secure.example.com")
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(GatewayAddress, port));
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(ServerRoot);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            CertificateChainPolicy = policy,
            // Other server names only probe which listener answers: the served certificate names secure.example.com.
            RemoteCertificateValidationCallback = serverName == "secure.example.com" ? null : (_, _, _, errors) => (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
        });
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(tls);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async Task DisposeAsync() => await Mesh.DisposeAsync();

    private static string Indent(string text, string prefix) => string.Join('\n', text.Trim().Split('\n').Select(l => prefix + l));

    /// <summary>A CA certificate with its key, issuing sub-CAs and leaves.</summary>
    public sealed record Authority(X509Certificate2 Certificate, ECDsa Key)
    {
        public static Authority Create(string subject)
        {
            var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = CaRequest(subject, key);
            return new Authority(request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2)), key);
        }

        public Authority IssueAuthority(string subject)
        {
            var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var issued = CaRequest(subject, key).Create(Certificate, DateTimeOffset.UtcNow.AddHours(-12), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
            return new Authority(issued.CopyWithPrivateKey(key), key);
        }

        /// <summary>A leaf and its PKCS#8 PEM key.</summary>
        public (X509Certificate2 Certificate, string KeyPem) IssueLeaf(string subject, string? dnsName, bool serverAuth)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
            if (dnsName is not null)
            {
                var san = new SubjectAlternativeNameBuilder();
                san.AddDnsName(dnsName);
                request.CertificateExtensions.Add(san.Build());
            }

            using var issued = request.Create(Certificate, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));
            using var withKey = issued.CopyWithPrivateKey(key);
            return (X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null), key.ExportPkcs8PrivateKeyPem());
        }

        /// <summary>A client certificate with its key, usable by SslStream.</summary>
        public X509Certificate2 IssueClient(string subject) => IssueLeaf(subject, null, serverAuth: false).Certificate;

        private static CertificateRequest CaRequest(string subject, ECDsa key)
        {
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            return request;
        }
    }
}

public sealed class GatewayClientCertificateTests(ClientCertificateMesh fixture) : IClassFixture<ClientCertificateMesh>
{
    [Fact]
    public async Task A_client_trusting_only_the_root_validates_the_served_chain_and_its_certificate_is_accepted()
    {
        // GetAsync trusts only the server root: the handshake succeeds only if the gateway sent the intermediate.
        var response = await fixture.GetAsync(8443, fixture.ClientCa.IssueClient("CN=good client"));

        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.Contains("echo-v1-1", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_client_certificate_the_handshake_is_refused()
    {
        await AssertRefusedAsync(() => fixture.GetAsync(8443, null));
    }

    [Fact]
    public async Task A_client_certificate_from_an_untrusted_ca_is_refused()
    {
        var before = await fixture.Mesh.StatAsync(fixture.GatewayProxy, "l7.tls.client_certificate_rejected");

        await AssertRefusedAsync(() => fixture.GetAsync(8443, fixture.OtherCa.IssueClient("CN=stranger")));

        Assert.True(await fixture.Mesh.StatAsync(fixture.GatewayProxy, "l7.tls.client_certificate_rejected") > before);
    }

    // With TLS 1.3 the client finishes its side of the handshake before the server judges its certificate, so the
    // refusal shows as an alert (an exception) or as the connection closing before any HTTP byte.
    private static async Task AssertRefusedAsync(Func<Task<string>> request)
    {
        try
        {
            var response = await request();
            Assert.True(response.Length == 0, $"expected no HTTP response, got: {response}");
        }
        catch (Exception e) when (e is IOException or AuthenticationException)
        {
        }
    }

    [Fact]
    public async Task A_handshake_that_skipped_client_validation_cannot_reach_a_listener_that_requires_it()
    {
        // The open Gateway on the same address and port serves its own host without a client certificate.
        Assert.StartsWith("HTTP/1.1 200", await fixture.GetAsync(8443, null, "open.example.com", "open.example.com"), StringComparison.Ordinal);

        // Its handshake (by its SNI, or an unknown SNI that falls back to a listener's certificate) asked for no client
        // certificate, so a request for the validating listener's host on that connection is misdirected.
        foreach (var serverName in new[] { "open.example.com", "unknown.example.com" })
        {
            string response;
            try
            {
                response = await fixture.GetAsync(8443, null, serverName, "secure.example.com");
            }
            catch (Exception e) when (e is IOException or AuthenticationException)
            {
                continue; // the fallback picked the validating listener and the handshake refused the missing certificate
            }

            Assert.True(response.Length == 0 || response.StartsWith("HTTP/1.1 421", StringComparison.Ordinal), $"SNI {serverName}: {response}");
        }
    }

    [Fact]
    public async Task Under_insecure_fallback_clients_without_or_with_untrusted_certificates_are_served()
    {
        Assert.StartsWith("HTTP/1.1 200", await fixture.GetAsync(9443, null), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", await fixture.GetAsync(9443, fixture.OtherCa.IssueClient("CN=stranger")), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", await fixture.GetAsync(9443, fixture.ClientCa.IssueClient("CN=good client")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_gateway_reports_the_insecure_fallback_and_resolved_listeners()
    {
        var gateway = await fixture.Mesh.GetJsonAsync(new Uri(fixture.Mesh.Api, "api/v1/resources?kind=Gateway&namespace=default&name=mtls"));
        var status = (gateway["items"]?[0] ?? gateway)["status"]!;

        Assert.Contains(status["conditions"]!.AsArray(), c => c!["type"]!.GetValue<string>() == "InsecureFrontendValidationMode" && c["status"]!.GetValue<string>() == "True");
        foreach (var listener in status["listeners"]!.AsArray())
        {
            Assert.Contains(listener!["conditions"]!.AsArray(), c => c!["type"]!.GetValue<string>() == "ResolvedRefs" && c["status"]!.GetValue<string>() == "True");
        }

        var dump = (await fixture.Mesh.ConfigDumpAsync(fixture.GatewayProxy)).ToJsonString();
        Assert.Contains("\"clientValidation\":\"AllowValidOnly\"", dump, StringComparison.Ordinal);
        Assert.Contains("\"clientValidation\":\"AllowInsecureFallback\"", dump, StringComparison.Ordinal);
    }
}
