using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skein.Control.Compiler;
using Skein.Control.Federation;
using Skein.Core.Configuration;
using Skein.Core.Resources;

namespace Skein.Cli.Commands;

/// <summary><c>skein check</c>: reads a running control plane and reports configuration errors and risky settings.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "Control plane REST address.", DefaultValueFactory = _ => "http://127.0.0.1:20001" };
        var command = new Command("check", "Report rejected configuration, risky settings (plaintext PeerAuthentication, policies no proxy can enforce) and Gateway API resources the control plane could not accept or resolve; exits 1 on errors.") { server };
        command.SetAction(async (parse, ct) =>
        {
            using var http = new HttpClient { BaseAddress = new Uri(parse.GetRequiredValue(server)), Timeout = TimeSpan.FromSeconds(10) };
            JsonObject errors, policies;
            var gatewayApi = new List<JsonNode?>();
            var meshResources = new List<JsonNode?>();
            var federations = new List<JsonNode?>();
            string? localTrustDomain = null;
            try
            {
                errors = (await http.GetFromJsonAsync<JsonObject>("/api/v1/config-errors", ct))!;
                policies = (await http.GetFromJsonAsync<JsonObject>("/api/v1/resources?kind=PeerAuthentication", ct))!;
                foreach (var kind in GatewayStatusProblems.Kinds)
                {
                    var list = await http.GetFromJsonAsync<JsonObject>($"/api/v1/resources?kind={kind}", ct);
                    gatewayApi.AddRange(list?["items"]?.AsArray() ?? []);
                }

                foreach (var kind in OutsideMeshKinds)
                {
                    var list = await http.GetFromJsonAsync<JsonObject>($"/api/v1/resources?kind={kind}", ct);
                    meshResources.AddRange(list?["items"]?.AsArray() ?? []);
                }

                federations.AddRange((await http.GetFromJsonAsync<JsonObject>("/api/v1/resources?kind=MeshFederation", ct))?["items"]?.AsArray() ?? []);
                using var trustDomains = await http.GetAsync("/api/v1/trust-domains", ct);
                if (trustDomains.IsSuccessStatusCode) // a control plane from before federation has no such endpoint
                {
                    localTrustDomain = (await trustDomains.Content.ReadFromJsonAsync<JsonObject>(ct))?["local"]?.GetValue<string>();
                }
            }
            catch (HttpRequestException e)
            {
                Console.Error.WriteLine($"error: cannot reach the control plane at {http.BaseAddress}: {e.Message}");
                return 2;
            }

            var errorList = errors["errors"]?.AsArray() ?? [];
            foreach (var error in errorList)
            {
                Console.Out.WriteLine($"error: {error!["text"]!.GetValue<string>()}");
            }

            var warnings = 0;
            foreach (var policy in policies["items"]?.AsArray() ?? [])
            {
                var name = $"{policy!["metadata"]!["namespace"]}/{policy["metadata"]!["name"]}";
                var scope = policy["spec"]?["selector"] is null ? "every workload in its namespace" : "the workloads it selects";
                if (policy["spec"]?["mtls"]?["mode"]?.GetValue<string>() is "DISABLE")
                {
                    Console.Out.WriteLine($"warning: PeerAuthentication {name} sets mTLS DISABLE for {scope}: that traffic is plaintext, unauthenticated and unencrypted");
                    warnings++;
                }
                else if (policy["spec"]?["mtls"]?["mode"]?.GetValue<string>() is "PERMISSIVE")
                {
                    Console.Out.WriteLine($"warning: PeerAuthentication {name} is PERMISSIVE for {scope}: plaintext callers are accepted alongside mTLS");
                    warnings++;
                }

                foreach (var (port, mode) in policy["spec"]?["portLevelMtls"]?.AsObject() ?? [])
                {
                    if (mode?["mode"]?.GetValue<string>() is "DISABLE")
                    {
                        Console.Out.WriteLine($"warning: PeerAuthentication {name} sets mTLS DISABLE on port {port}: traffic to that port is plaintext");
                        warnings++;
                    }
                }
            }

            foreach (var problem in gatewayApi.SelectMany(GatewayStatusProblems.Of))
            {
                Console.Out.WriteLine($"warning: {problem}");
                warnings++;
            }

            meshResources.AddRange((policies["items"]?.AsArray() ?? []).Select(p => p?.DeepClone()));
            foreach (var problem in OutsideMeshWarnings.Of(Typed(meshResources)))
            {
                Console.Out.WriteLine($"warning: {problem}");
                warnings++;
            }

            if (localTrustDomain is not null)
            {
                var statuses = federations.OfType<JsonObject>().ToDictionary(
                    f => new ResourceKey("MeshFederation", f["metadata"]?["namespace"]?.GetValue<string>() ?? "", f["metadata"]?["name"]?.GetValue<string>() ?? ""),
                    f => f["status"]?.Deserialize<MeshFederationStatus>(ResourceJson.Options));
                var typed = Typed([.. meshResources.Select(r => r?.DeepClone()), .. federations.Select(f => f?.DeepClone())]);
                foreach (var problem in FederationWarnings.Of(typed, statuses, localTrustDomain))
                {
                    Console.Out.WriteLine($"warning: {problem}");
                    warnings++;
                }
            }

            Console.Out.WriteLine($"{errorList.Count} error(s), {warnings} warning(s).");
            return errorList.Count > 0 ? 1 : 0;
        });
        return command;
    }

    /// <summary>The kinds (besides PeerAuthentication) that say which workloads are outside the mesh and what selects them.</summary>
    private static readonly string[] OutsideMeshKinds = ["Workload", "Namespace", "Service", "AuthorizationPolicy"];

    /// <summary>The served resources as typed models, through the loader the control plane itself uses (status dropped: it is not config).</summary>
    private static List<Resource> Typed(List<JsonNode?> items)
    {
        var documents = items.OfType<JsonObject>().Select(i =>
        {
            var copy = i.DeepClone().AsObject();
            copy.Remove("status");
            return (JsonNode)copy;
        }).ToList();
        return documents.Count == 0 ? [] : [.. ResourceLoader.LoadText(ResourceJson.ToYaml(documents), "served.yaml").Resources];
    }
}
