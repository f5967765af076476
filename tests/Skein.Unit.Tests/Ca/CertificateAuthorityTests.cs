using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Skein.Control;
using Skein.Control.Ca;
using Skein.Core.Identity;

namespace Skein.Unit.Tests.Ca;

public sealed class CertificateAuthorityTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("skein-ca-").FullName;

    private ControlPlaneOptions Options => new() { ConfigDirectory = ".", StateDirectory = _state };

    private static TrustBundleSet Bundle(CertificateAuthority ca)
    {
        var set = new TrustBundleSet();
        set.Set(ca.TrustDomain, [ca.Root]);
        return set;
    }

    [Fact]
    public void Issued_leaves_are_valid_svids_with_the_requested_identity_and_a_24h_default_lifetime()
    {
        using var ca = CertificateAuthority.LoadOrCreate(Options, NullLogger.Instance);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var id = SpiffeId.ForWorkload("cluster.local", "shop", "web");
        using var leaf = ca.Issue(new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256).PublicKey, id, TimeSpan.Zero);

        var result = SvidValidator.Validate(leaf, [], Bundle(ca), DateTimeOffset.UtcNow);
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(id, result.Id);
        Assert.Equal(TimeSpan.FromHours(24), leaf.NotAfter - leaf.NotBefore - TimeSpan.FromMinutes(5));
        Assert.Contains(leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.2");
    }

    [Fact]
    public void Requested_lifetimes_are_capped()
    {
        using var ca = CertificateAuthority.LoadOrCreate(Options, NullLogger.Instance);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leaf = ca.Issue(new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256).PublicKey,
            SpiffeId.ForWorkload("cluster.local", "a", "b"), TimeSpan.FromDays(365));
        Assert.True(leaf.NotAfter - leaf.NotBefore <= CertificateAuthority.MaxTtl + TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void The_root_is_created_once_and_reloaded_with_a_private_key_file_only_the_owner_reads()
    {
        string first;
        using (var ca = CertificateAuthority.LoadOrCreate(Options, NullLogger.Instance))
        {
            first = ca.RootPem;
        }

        using var again = CertificateAuthority.LoadOrCreate(Options, NullLogger.Instance);
        Assert.Equal(first, again.RootPem);
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(Path.Combine(_state, "ca", "root-key.pem"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        }
    }

    [Fact]
    public void An_intermediate_loaded_from_files_signs_leaves_that_chain_to_the_external_root()
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootReq = new CertificateRequest("CN=Corp Root", rootKey, HashAlgorithmName.SHA256);
        rootReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var root = rootReq.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));

        using var intKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intReq = new CertificateRequest("CN=Skein Intermediate", intKey, HashAlgorithmName.SHA256);
        intReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        intReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var intermediate = intReq.Create(root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddMonths(6), [1, 2, 3]);
        File.WriteAllText(Path.Combine(_state, "int.pem"), intermediate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_state, "int-key.pem"), intKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(_state, "chain.pem"), root.ExportCertificatePem());

        using var ca = CertificateAuthority.LoadOrCreate(new ControlPlaneOptions
        {
            ConfigDirectory = ".",
            StateDirectory = _state,
            CaCertFile = Path.Combine(_state, "int.pem"),
            CaKeyFile = Path.Combine(_state, "int-key.pem"),
            CaChainFile = Path.Combine(_state, "chain.pem"),
        }, NullLogger.Instance);
        Assert.Equal(root.Thumbprint, ca.Root.Thumbprint);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var id = SpiffeId.ForWorkload("cluster.local", "shop", "web");
        using var leaf = ca.Issue(new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256).PublicKey, id, TimeSpan.FromHours(1));
        var result = SvidValidator.Validate(leaf, [ca.Chain[0]], Bundle(ca), DateTimeOffset.UtcNow);
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(3, ca.ChainPem(leaf).Count);
    }

    [Fact]
    public void Join_tokens_name_their_node_and_forgeries_fail()
    {
        var tokens = JoinTokens.LoadOrCreate(_state);
        var token = tokens.TokenFor("node-a.zone-1");
        Assert.Equal("node-a.zone-1", tokens.Validate(token));
        Assert.Equal("node-a.zone-1", JoinTokens.Load(_state).Validate(token));
        Assert.Null(tokens.Validate(token.Replace("node-a", "node-b")));
        Assert.Null(tokens.Validate(token[..^1] + (token[^1] == 'A' ? 'B' : 'A')));
        Assert.Null(tokens.Validate("garbage"));
        Assert.Null(tokens.Validate(null));

        Directory.Delete(Path.Combine(_state), recursive: true);
        Assert.Null(JoinTokens.LoadOrCreate(_state).Validate(token)); // a new key invalidates old tokens
    }

    public void Dispose()
    {
        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, recursive: true);
        }
    }
}
