using System.Net;

namespace Skein.Cli.Demo;

/// <summary>Where the demo's processes run; must agree with the embedded <c>bookstore.yaml</c> (a unit test checks).</summary>
internal static class DemoTopology
{
    public const string Namespace = "bookstore";
    public static readonly IPAddress ControlAddress = IPAddress.Loopback;

    /// <summary>The control plane serves the dashboard at the root of its API port.</summary>
    public static readonly Uri DashboardUrl = new($"http://{ControlAddress}:20001/");

    public static readonly IReadOnlyList<DemoNode> Nodes =
    [
        new("node-a", IPAddress.Parse("127.0.10.1")),
        new("node-b", IPAddress.Parse("127.0.20.1")),
    ];

    public static readonly IReadOnlyList<DemoApp> Apps =
    [
        new("frontend-v1", "frontend", "v1", "node-a", IPAddress.Parse("127.0.10.2"),
            Upstreams: ["catalog=http://127.0.10.2:9101", "reviews=http://127.0.10.2:9102", "payments=http://127.0.10.2:9103", "inventory=http://127.0.10.2:9104"], UsesSocks: false),
        new("catalog-v1", "catalog", "v1", "node-a", IPAddress.Parse("127.0.10.3"),
            Upstreams: ["inventory=http://inventory.bookstore:8080"], UsesSocks: true),
        new("reviews-v1", "reviews", "v1", "node-a", IPAddress.Parse("127.0.10.4"), Upstreams: [], UsesSocks: false),
        new("catalog-v2", "catalog", "v2", "node-b", IPAddress.Parse("127.0.20.2"),
            Upstreams: ["inventory=http://inventory.bookstore:8080"], UsesSocks: true),
        new("inventory-v1", "inventory", "v1", "node-b", IPAddress.Parse("127.0.20.3"), Upstreams: [], UsesSocks: false),
        new("payments-v1", "payments", "v1", "node-b", IPAddress.Parse("127.0.20.4"), Upstreams: [], UsesSocks: false),
    ];

    public const int AppPort = 8080;

    public static DemoNode NodeOf(DemoApp app) => Nodes.Single(n => n.Name == app.Node);

    /// <summary>The load generator's workload address; it browses through the SOCKS5 port there, as that workload.</summary>
    public static readonly IPAddress LoadGenerator = IPAddress.Parse("127.0.10.9");

    public static Uri SocksFor(IPAddress workload) => new($"socks5://{workload}:15080");

    /// <summary>The frontend URL the load generator asks for, resolved by the node proxy.</summary>
    public static readonly Uri FrontendUrl = new("http://frontend.bookstore:8080/");
}

/// <summary>An emulated node: a proxy bound to its own loopback address.</summary>
internal sealed record DemoNode(string Name, IPAddress Address)
{
    public Uri Admin => new($"http://{Address}:15000/");
    public Uri Socks => new($"socks5://{Address}:15080");
}

/// <summary>One bookstore process.</summary>
internal sealed record DemoApp(string Workload, string App, string Version, string Node, IPAddress Address, IReadOnlyList<string> Upstreams, bool UsesSocks);
