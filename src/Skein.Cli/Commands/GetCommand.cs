using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skein.Cli.Commands;

/// <summary><c>skein get</c>: lists resources from a running control plane's REST API.</summary>
internal static class GetCommand
{
    public static Command Create()
    {
        var kind = new Argument<string>("kind") { Description = "Resource kind, e.g. Service, Workload, HTTPRoute." };
        var name = new Argument<string?>("name") { Description = "Resource name.", Arity = ArgumentArity.ZeroOrOne };
        var ns = new Option<string?>("--namespace", "-n") { Description = "Namespace." };
        var output = new Option<string>("--output", "-o") { Description = "Output format: table, json or yaml (yaml and json include the computed status).", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json", "yaml");
        var server = new Option<string>("--server") { Description = "Control plane REST address.", DefaultValueFactory = _ => "http://127.0.0.1:20001" };

        var command = new Command("get", "Show resources held by the control plane.") { kind, name, ns, output, server };
        command.SetAction(async (parse, ct) =>
        {
            using var http = new HttpClient { BaseAddress = new Uri(parse.GetRequiredValue(server)), Timeout = TimeSpan.FromSeconds(10) };
            var query = $"/api/v1/resources?kind={Uri.EscapeDataString(parse.GetRequiredValue(kind))}";
            if (parse.GetValue(name) is { } n)
            {
                query += $"&name={Uri.EscapeDataString(n)}";
            }

            if (parse.GetValue(ns) is { } namespaceFilter)
            {
                query += $"&namespace={Uri.EscapeDataString(namespaceFilter)}";
            }

            JsonObject? body;
            try
            {
                body = await http.GetFromJsonAsync<JsonObject>(query, ct);
            }
            catch (HttpRequestException e)
            {
                Console.Error.WriteLine($"error: cannot reach the control plane at {http.BaseAddress}: {e.Message}");
                return 1;
            }

            var items = body?["items"]?.AsArray() ?? [];
            if (parse.GetValue(output) == "json")
            {
                Console.Out.WriteLine(items.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }

            if (parse.GetValue(output) == "yaml")
            {
                if (items.Count > 0)
                {
                    Console.Out.Write(Skein.Core.Configuration.ResourceJson.ToYaml(items.Where(i => i is not null).Select(i => i!)));
                }

                return items.Count == 0 && parse.GetValue(name) is not null ? 1 : 0;
            }

            Console.Out.WriteLine($"{"NAMESPACE",-24} {"KIND",-20} NAME");
            foreach (var item in items)
            {
                Console.Out.WriteLine($"{item?["metadata"]?["namespace"]?.GetValue<string>() ?? "",-24} {item?["kind"]?.GetValue<string>(),-20} {item?["metadata"]?["name"]?.GetValue<string>()}");
            }

            return items.Count == 0 && parse.GetValue(name) is not null ? 1 : 0;
        });
        return command;
    }
}
