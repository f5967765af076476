using System.Net;

namespace Skein.Proxy;

/// <summary>What a proxy process is and where it listens.</summary>
public sealed class ProxyOptions
{
    public string Role { get; init; } = "node";

    public required string Node { get; init; }

    /// <summary>The control plane's xDS address, e.g. <c>http://127.0.0.1:15012</c>.</summary>
    public required Uri ControlPlane { get; init; }

    /// <summary>The node's address: every proxy listener binds here (an emulated node has its own loopback IP).</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    public int SocksPort { get; init; } = 15080;

    public int AdminPort { get; init; } = 15000;
}
