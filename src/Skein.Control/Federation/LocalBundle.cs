using Skein.Control.Ca;
using Skein.Core.Identity;

namespace Skein.Control.Federation;

/// <summary>This mesh's trust bundle as its SPIFFE bundle endpoint publishes it.</summary>
/// <remarks>
/// The sequence is the root's notBefore in Unix seconds: stable across restarts and higher for every new
/// root, which is what peers use it for. The document is encoded once; the root only changes with a restart.
/// </remarks>
public sealed class LocalBundle(CertificateAuthority ca)
{
    /// <summary>How often peers are asked to refresh; short enough that a root rotation reaches them within minutes.</summary>
    public static readonly TimeSpan RefreshHint = TimeSpan.FromMinutes(5);

    private readonly Lazy<byte[]> _document = new(() => SpiffeBundleJson.Encode(new SpiffeBundle(
        [ca.Root], (ulong)Math.Max(0, new DateTimeOffset(ca.Root.NotBefore.ToUniversalTime()).ToUnixTimeSeconds()), RefreshHint)));

    public string TrustDomain => ca.TrustDomain;

    /// <summary>The JWK Set document (UTF-8 JSON).</summary>
    public byte[] Document => _document.Value;
}
