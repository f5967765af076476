using System.CommandLine;
using System.Net;
using Skein.Core.Configuration;
using Skein.Core.Resources;
using Skein.Proxy.Capture;

namespace Skein.Cli.Commands;

/// <summary><c>skein capture rules</c>: prints the nftables ruleset of transparent capture for one node.</summary>
internal static class CaptureCommand
{
    public static Command Create()
    {
        var address = new Option<IPAddress>("--address") { Description = "The node proxy's address (its --address): captured connections are sent to its 15001/15006/15008.", Required = true, CustomParser = CommonOptions.ParseAddress };
        var node = new Option<string?>("--node") { Description = "With --config: capture the addresses of the Workloads placed on this node (spec.node)." };
        var config = new Option<string[]>("--config") { Description = "Files or directories of YAML resources to read Workloads from (as `skein control --config`).", AllowMultipleArgumentsPerToken = true };
        var workload = new Option<string[]>("--workload") { Description = "A workload address to capture (repeatable), in addition to those read from --config.", AllowMultipleArgumentsPerToken = true };
        var rules = new Command("rules", "Print the nft script (apply with `| nft -f -` in the node's network namespace; remove with `nft delete table inet skein`). " +
            "A proxy started with `--capture nftables` applies it itself and keeps the workload set up to date.") { address, node, config, workload };
        rules.SetAction(parse =>
        {
            var addresses = new List<IPAddress>();
            foreach (var text in parse.GetValue(workload) ?? [])
            {
                if (!IPAddress.TryParse(text, out var ip))
                {
                    Console.Error.WriteLine($"error: --workload {text}: not an IP address");
                    return 2;
                }

                addresses.Add(ip);
            }

            if (parse.GetValue(config) is { Length: > 0 } paths)
            {
                if (parse.GetValue(node) is not { Length: > 0 } nodeName)
                {
                    Console.Error.WriteLine("error: --config needs --node (whose Workloads to capture)");
                    return 2;
                }

                var loaded = ResourceLoader.LoadPaths(paths);
                foreach (var error in loaded.Errors)
                {
                    Console.Error.WriteLine(error.ToString());
                }

                if (!loaded.Ok)
                {
                    return 1;
                }

                var outside = DataplaneMode.OutsideMeshTest(loaded.Resources);
                foreach (var w in loaded.Resources.OfType<WorkloadResource>().Where(w => w.Spec.Node == nodeName && !outside(w)))
                {
                    addresses.AddRange(w.Spec.Addresses.Select(IPAddress.Parse));
                }
            }

            var nodeAddress = parse.GetRequiredValue(address);
            Console.Out.Write(NftablesRules.Script(new CapturePorts(nodeAddress), addresses.Where(a => !a.Equals(nodeAddress))));
            return 0;
        });
        return new Command("capture", "Transparent capture (nftables): see the rules a node proxy applies.") { rules };
    }
}
