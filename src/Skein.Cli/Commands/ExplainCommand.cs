using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skein.Cli.Commands;

/// <summary><c>skein explain</c>: says what failed, at which hop, and what to check, for a request id or a source and destination.</summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var control = new Option<string>("--control") { Description = "Control plane REST address.", DefaultValueFactory = _ => "http://127.0.0.1:20001" };
        var requestId = new Option<string?>("--request-id") { Description = "A request id (x-request-id) or connection id from an access log line." };
        var from = new Option<string?>("--from") { Description = "Source workload (name, ns/name or node id)." };
        var to = new Option<string?>("--to") { Description = "Destination service or workload (name, ns/name or node id)." };
        var json = new Option<bool>("--json") { Description = "Print the API's JSON answer." };
        var command = new Command("explain", "Explain in plain language why traffic failed: which hop, what cause, what to check.") { control, requestId, from, to, json };
        command.Validators.Add(result =>
        {
            if (result.GetValue(requestId) is null && result.GetValue(from) is null && result.GetValue(to) is null)
            {
                result.AddError("give --request-id ID, or --from WORKLOAD and/or --to SERVICE");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            using var http = new HttpClient { BaseAddress = new Uri(parse.GetRequiredValue(control)), Timeout = TimeSpan.FromSeconds(10) };
            var query = parse.GetValue(requestId) is { } id
                ? $"/api/v1/explain?requestId={Uri.EscapeDataString(id)}"
                : $"/api/v1/explain?source={Uri.EscapeDataString(parse.GetValue(from) ?? "")}&destination={Uri.EscapeDataString(parse.GetValue(to) ?? "")}";
            JsonObject? body;
            try
            {
                using var response = await http.GetAsync(query, ct);
                body = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
                if (!response.IsSuccessStatusCode)
                {
                    Console.Error.WriteLine($"error: {body?["error"]?.GetValue<string>() ?? response.StatusCode.ToString()}");
                    return 1;
                }
            }
            catch (HttpRequestException e)
            {
                Console.Error.WriteLine($"error: cannot reach the control plane at {http.BaseAddress}: {e.Message}");
                return 1;
            }

            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(body!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }

            Console.Out.WriteLine(body?["summary"]?.GetValue<string>());
            if (body?["hop"]?.GetValue<string>() is { } hop)
            {
                Console.Out.WriteLine();
                Console.Out.WriteLine($"  failed hop: {hop}");
            }

            if (body?["policy"]?.GetValue<string>() is { } policy)
            {
                Console.Out.WriteLine($"  policy:     AuthorizationPolicy {policy}");
            }

            var checks = body?["checks"]?.AsArray() ?? [];
            if (checks.Count > 0)
            {
                Console.Out.WriteLine();
                Console.Out.WriteLine("What to check:");
                foreach (var check in checks)
                {
                    Console.Out.WriteLine($"  - {check?.GetValue<string>()}");
                }
            }

            return body?["verdict"]?.GetValue<string>() == "unknown" ? 2 : 0;
        });
        return command;
    }
}
