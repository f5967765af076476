using System.Net;

namespace Skein.Cli.Demo;

/// <summary>Where the demo's processes run; must agree with the embedded <c>bookstore.yaml</c> (a unit test checks).</summary>
internal static class DemoTopology
{
    public const string Namespace = "bookstore";

    /// <summary>The environment variable that moves the whole demo to 127.N.x.y (default 0).</summary>
    public const string BlockVariable = "SKEIN_DEMO_BLOCK";

    /// <summary>
    /// Second octet of every demo address. Moving it lets a test run the demo while another demo (or a
    /// developer's) holds the default addresses. Declared first: the fields below are built from it.
    /// </summary>
    public static readonly int Block = ParseBlock(Environment.GetEnvironmentVariable(BlockVariable)) ?? 0;

    public static readonly IPAddress ControlAddress = At("0.1");

    /// <summary>The control plane serves the dashboard at the root of its API port.</summary>
    public static readonly Uri DashboardUrl = new($"http://{ControlAddress}:20001/");

    public static readonly IReadOnlyList<DemoNode> Nodes =
    [
        new("node-a", At("10.1")),
        new("node-b", At("20.1")),
    ];

    public static readonly IReadOnlyList<DemoApp> Apps =
    [
        new("frontend-v1", "frontend", "v1", "node-a", At("10.2"),
            Upstreams: [$"catalog=http://{At("10.2")}:9101", $"reviews=http://{At("10.2")}:9102", $"payments=http://{At("10.2")}:9103", $"inventory=http://{At("10.2")}:9104"], UsesSocks: false),
        new("catalog-v1", "catalog", "v1", "node-a", At("10.3"),
            Upstreams: ["inventory=http://inventory.bookstore:8080"], UsesSocks: true),
        new("reviews-v1", "reviews", "v1", "node-a", At("10.4"), Upstreams: [], UsesSocks: false),
        new("catalog-v2", "catalog", "v2", "node-b", At("20.2"),
            Upstreams: ["inventory=http://inventory.bookstore:8080"], UsesSocks: true),
        new("inventory-v1", "inventory", "v1", "node-b", At("20.3"), Upstreams: [], UsesSocks: false),
        new("payments-v1", "payments", "v1", "node-b", At("20.4"), Upstreams: [], UsesSocks: false),
    ];

    public const int AppPort = 8080;

    public static DemoNode NodeOf(DemoApp app) => Nodes.Single(n => n.Name == app.Node);

    /// <summary>The load generator's workload address; it browses through the SOCKS5 port there, as that workload.</summary>
    public static readonly IPAddress LoadGenerator = At("10.9");

    public static Uri SocksFor(IPAddress workload) => new($"socks5://{workload}:15080");

    /// <summary>A valid block (0–255) or null.</summary>
    public static int? ParseBlock(string? text) =>
        string.IsNullOrEmpty(text) ? 0 : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n <= 255 ? n : null;

    /// <summary>The embedded config's addresses (written for 127.0.x.y) moved to this demo's block.</summary>
    public static string MoveToBlock(string yaml) => Block == 0 ? yaml : yaml.Replace("127.0.", $"127.{Block}.", StringComparison.Ordinal);

    private static IPAddress At(string lastTwoOctets) => IPAddress.Parse($"127.{Block}.{lastTwoOctets}");

    /// <summary>The ingress gateway proxy (role gateway, node "gateway"): admin on :15000 here.</summary>
    public static readonly DemoNode GatewayProxy = new("gateway", At("30.1"));

    /// <summary>The Gateway's own address (its spec.addresses in the embedded config), like a load balancer IP.</summary>
    public static readonly IPAddress GatewayAddress = At("30.2");

    /// <summary>The Gateway's name in the embedded config.</summary>
    public const string GatewayName = "bookstore-gateway";

    /// <summary>Where clients outside the mesh reach the bookstore: the Gateway's HTTP listener.</summary>
    public static readonly Uri GatewayUrl = new($"http://{GatewayAddress}:8080/");

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
