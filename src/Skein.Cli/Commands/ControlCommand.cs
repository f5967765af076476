using System.CommandLine;
using System.Net;
using Skein.Control;

namespace Skein.Cli.Commands;

/// <summary><c>skein control</c>: runs the control plane.</summary>
internal static class ControlCommand
{
    public static Command Create()
    {
        var config = new Option<DirectoryInfo>("--config") { Description = "Directory of YAML resources to serve (watched for changes).", Required = true };
        var state = new Option<DirectoryInfo>("--state") { Description = "Directory for persistent state (CA, tokens).", DefaultValueFactory = _ => new DirectoryInfo(".skein/state") };
        var address = new Option<IPAddress>("--address") { Description = "Address to listen on.", CustomParser = CommonOptions.ParseAddress, DefaultValueFactory = _ => IPAddress.Loopback };
        var xdsPort = CommonOptions.Port("--xds-port", 15012, "xDS (gRPC) port.");
        var apiPort = CommonOptions.Port("--api-port", 20001, "REST API and dashboard port.");
        var metricsPort = CommonOptions.Port("--metrics-port", 15014, "Prometheus metrics port.");

        var command = new Command("control", "Run the control plane: config store, xDS server, REST API.")
        {
            config, state, address, xdsPort, apiPort, metricsPort,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new ControlPlaneOptions
            {
                ConfigDirectory = parse.GetRequiredValue(config).FullName,
                StateDirectory = parse.GetRequiredValue(state).FullName,
                Address = parse.GetRequiredValue(address),
                XdsPort = parse.GetValue(xdsPort),
                ApiPort = parse.GetValue(apiPort),
                MetricsPort = parse.GetValue(metricsPort),
            };
            if (!Directory.Exists(options.ConfigDirectory))
            {
                Console.Error.WriteLine($"error: config directory {options.ConfigDirectory} does not exist");
                return 2;
            }

            await using var app = ControlPlaneHost.Build(options);
            return await HostRunner.RunAsync(app, ct);
        });
        return command;
    }
}
