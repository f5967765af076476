using System.CommandLine;
using System.Net;
using Skein.Proxy;

namespace Skein.Cli.Commands;

/// <summary><c>skein proxy</c>: runs a data plane proxy.</summary>
internal static class ProxyCommand
{
    public static Command Create()
    {
        var role = new Option<string>("--role") { Description = "Proxy role.", DefaultValueFactory = _ => "node" };
        role.AcceptOnlyFromAmong("node");
        var node = new Option<string>("--node") { Description = "Name of the node this proxy serves (workloads name it in spec.node).", Required = true };
        var control = new Option<Uri>("--control") { Description = "Control plane xDS address (host:port).", Required = true, CustomParser = CommonOptions.ParseControlAddress };
        var address = new Option<IPAddress>("--address") { Description = "The node's address; all proxy listeners bind here.", CustomParser = CommonOptions.ParseAddress, DefaultValueFactory = _ => IPAddress.Loopback };
        var socksPort = CommonOptions.Port("--socks-port", 15080, "SOCKS5 and HTTP CONNECT port.");
        var adminPort = CommonOptions.Port("--admin-port", 15000, "Admin API port (always on loopback).");

        var command = new Command("proxy", "Run a proxy. Roles: node (L4, per host). Waypoint and gateway roles arrive with L7 support.")
        {
            role, node, control, address, socksPort, adminPort,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new ProxyOptions
            {
                Role = parse.GetRequiredValue(role),
                Node = parse.GetRequiredValue(node),
                ControlPlane = parse.GetRequiredValue(control),
                Address = parse.GetRequiredValue(address),
                SocksPort = parse.GetValue(socksPort),
                AdminPort = parse.GetValue(adminPort),
            };
            await using var app = ProxyHost.Build(options);
            return await HostRunner.RunAsync(app, ct);
        });
        return command;
    }
}
