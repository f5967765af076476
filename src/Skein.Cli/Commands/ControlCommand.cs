using System.CommandLine;
using System.Net;
using Skein.Control;

namespace Skein.Cli.Commands;

/// <summary><c>skein control</c>: runs the control plane.</summary>
internal static class ControlCommand
{
    public static Command Create()
    {
        var config = new Option<DirectoryInfo?>("--config") { Description = "Directory of YAML resources to serve (watched for changes)." };
        var kubernetes = new Option<bool>("--kubernetes") { Description = "Read configuration from a Kubernetes API server (list + watch) instead of --config." };
        var kubeconfig = new Option<FileInfo?>("--kubeconfig") { Description = "Kubeconfig for --kubernetes; without it, the pod's in-cluster ServiceAccount is used." };
        var nodeServiceAccount = new Option<string>("--node-proxy-service-account")
        {
            Description = "With --kubernetes: the ServiceAccount (NAMESPACE/NAME) whose pod-bound tokens (audience skein) node proxies may present instead of a join token.",
            DefaultValueFactory = _ => "skein-system/skein-node",
        };
        nodeServiceAccount.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && r.Tokens[0].Value.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                r.AddError($"--node-proxy-service-account \"{r.Tokens[0].Value}\" is not NAMESPACE/NAME");
            }
        });
        var state = new Option<DirectoryInfo>("--state") { Description = "Directory for persistent state (CA, tokens).", DefaultValueFactory = _ => new DirectoryInfo(".skein/state") };
        var address = new Option<IPAddress>("--address") { Description = "Address to listen on.", CustomParser = CommonOptions.ParseAddress, DefaultValueFactory = _ => IPAddress.Loopback };
        var xdsPort = CommonOptions.Port("--xds-port", 15012, "xDS (gRPC) port.");
        var apiPort = CommonOptions.Port("--api-port", 20001, "REST API and dashboard port.");
        var metricsPort = CommonOptions.Port("--metrics-port", 15014, "Prometheus metrics port.");
        var bundlePort = CommonOptions.Port("--bundle-port", 20002, "SPIFFE bundle endpoint port (HTTPS, profile https_spiffe; GET /.well-known/spiffe-bundle).");
        var trustDomain = new Option<string>("--trust-domain") { Description = "The mesh trust domain (SPIFFE).", DefaultValueFactory = _ => "cluster.local" };
        var caCert = new Option<FileInfo?>("--ca-cert") { Description = "Sign with this intermediate CA certificate (PEM) instead of a generated root." };
        var caKey = new Option<FileInfo?>("--ca-key") { Description = "The intermediate CA's private key (PEM, ECDSA)." };
        var certTtl = new Option<TimeSpan>("--workload-cert-ttl")
        {
            Description = "Longest lifetime of a workload certificate (e.g. 24h, 30m); proxies renew at half life.",
            DefaultValueFactory = _ => TimeSpan.FromHours(24),
            CustomParser = r =>
            {
                var text = r.Tokens.Single().Value;
                if (Skein.Core.Resources.Duration.TryParse(text, out var value) && value >= TimeSpan.FromSeconds(2))
                {
                    return value;
                }

                r.AddError($"--workload-cert-ttl \"{text}\" is not a duration of at least 2s (e.g. 24h, 30m, 90s)");
                return TimeSpan.Zero;
            },
        };
        var gatewayPool = new Option<string>("--gateway-address-pool")
        {
            Description = "IPv4 CIDR from which Gateways without usable spec.addresses get a stable address.",
            DefaultValueFactory = _ => Skein.Control.Gateway.GatewayAddressAllocator.DefaultPool,
        };
        gatewayPool.Validators.Add(r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : Skein.Control.Gateway.GatewayAddressAllocator.DefaultPool;
            if (!Skein.Control.Gateway.GatewayAddressAllocator.TryParsePool(text, out _, out _, out var error))
            {
                r.AddError(error);
            }
        });
        var caChain = new Option<FileInfo?>("--ca-chain") { Description = "The certificates above the intermediate, ending at the root (PEM)." };

        var command = new Command("control", "Run the control plane: config store, xDS server, REST API.")
        {
            config, kubernetes, kubeconfig, nodeServiceAccount, state, address, xdsPort, apiPort, metricsPort, bundlePort, trustDomain, certTtl, caCert, caKey, caChain, gatewayPool,
        };
        command.Validators.Add(r =>
        {
            var fromKubernetes = r.GetValue(kubernetes);
            if (fromKubernetes == (r.GetValue(config) is not null))
            {
                r.AddError("give either --config DIR or --kubernetes (with an optional --kubeconfig)");
            }
            else if (!fromKubernetes && r.GetValue(kubeconfig) is not null)
            {
                r.AddError("--kubeconfig needs --kubernetes");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var fromKubernetes = parse.GetValue(kubernetes);
            var options = new ControlPlaneOptions
            {
                ConfigDirectory = parse.GetValue(config)?.FullName ?? "",
                Kubernetes = fromKubernetes,
                Kubeconfig = parse.GetValue(kubeconfig)?.FullName,
                NodeProxyServiceAccount = parse.GetRequiredValue(nodeServiceAccount),
                StateDirectory = parse.GetRequiredValue(state).FullName,
                Address = parse.GetRequiredValue(address),
                XdsPort = parse.GetValue(xdsPort),
                ApiPort = parse.GetValue(apiPort),
                MetricsPort = parse.GetValue(metricsPort),
                BundlePort = parse.GetValue(bundlePort),
                TrustDomain = parse.GetRequiredValue(trustDomain),
                WorkloadCertTtl = parse.GetValue(certTtl),
                CaCertFile = parse.GetValue(caCert)?.FullName,
                CaKeyFile = parse.GetValue(caKey)?.FullName,
                CaChainFile = parse.GetValue(caChain)?.FullName,
                GatewayAddressPool = parse.GetRequiredValue(gatewayPool),
            };
            if (!fromKubernetes && !Directory.Exists(options.ConfigDirectory))
            {
                Console.Error.WriteLine($"error: config directory {options.ConfigDirectory} does not exist");
                return 2;
            }

            Microsoft.AspNetCore.Builder.WebApplication app;
            try
            {
                app = ControlPlaneHost.Build(options);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or System.Security.Cryptography.CryptographicException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }

            await using var _ = app;
            return await HostRunner.RunAsync(app, ct);
        });
        return command;
    }
}
