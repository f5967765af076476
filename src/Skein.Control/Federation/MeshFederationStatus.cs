using Skein.Core.Resources;

namespace Skein.Control.Federation;

/// <summary>What the control plane reports in a MeshFederation's status: the bundle it holds and how the last fetch went.</summary>
public sealed class MeshFederationStatus
{
    /// <summary>The peer trust domain.</summary>
    public string TrustDomain { get; set; } = "";

    /// <summary>The spiffe_sequence of the bundle held (absent before the first fetch).</summary>
    public ulong? Sequence { get; set; }

    /// <summary>How many X.509 roots the held bundle has.</summary>
    public int Roots { get; set; }

    /// <summary>Where the held bundle came from: "endpoint" or "bootstrap".</summary>
    public string? Source { get; set; }

    /// <summary>When the bundle was last fetched successfully.</summary>
    public DateTimeOffset? LastRefreshTime { get; set; }

    /// <summary>When the next fetch is due.</summary>
    public DateTimeOffset? NextRefreshTime { get; set; }

    /// <summary>Ready (a bundle is held and pushed to proxies) and BundleFetched (the last fetch succeeded).</summary>
    public List<StatusCondition> Conditions { get; set; } = [];
}
