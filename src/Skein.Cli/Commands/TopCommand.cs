using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Skein.Cli.Commands;

/// <summary><c>skein top</c>: a live table of the mesh's edges (rate, errors, latency, bytes, mTLS) from the control plane's topology.</summary>
internal static class TopCommand
{
    public static Command Create()
    {
        var control = new Option<string>("--control") { Description = "Control plane REST address.", DefaultValueFactory = _ => "http://127.0.0.1:20001" };
        var window = new Option<string>("--window") { Description = "Window the figures cover: 1m, 5m, 15m or 1h.", DefaultValueFactory = _ => "1m" };
        var once = new Option<bool>("--once") { Description = "Print one table and exit." };
        var refresh = new Option<int>("--refresh") { Description = "Seconds between refreshes.", DefaultValueFactory = _ => 2 };
        var command = new Command("top", "Show live traffic between workloads and services: requests per second, errors, latency, bytes, mTLS.") { control, window, once, refresh };
        command.SetAction(async (parse, ct) =>
        {
            using var http = new HttpClient { BaseAddress = new Uri(parse.GetRequiredValue(control)), Timeout = TimeSpan.FromSeconds(10) };
            var query = $"/api/v1/topology?window={Uri.EscapeDataString(parse.GetRequiredValue(window))}";
            var console = AnsiConsole.Console;
            // Piped or captured output has no terminal width; use a width that keeps one edge per line.
            if (Console.IsOutputRedirected)
            {
                console.Profile.Width = 200;
            }
            if (parse.GetValue(once))
            {
                var (table, error) = await FetchAsync(http, query, ct);
                if (error is not null)
                {
                    Console.Error.WriteLine(error);
                    return 1;
                }

                console.Write(table!);
                return 0;
            }

            try
            {
                await console.Live(new Text("connecting ...")).StartAsync(async live =>
                {
                    while (!ct.IsCancellationRequested)
                    {
                        var (table, error) = await FetchAsync(http, query, ct);
                        live.UpdateTarget(table ?? (IRenderable)new Markup($"[red]{Markup.Escape(error!)}[/]"));
                        live.Refresh();
                        await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(refresh))), ct);
                    }
                });
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        });
        return command;
    }

    private static async Task<(Table? Table, string? Error)> FetchAsync(HttpClient http, string query, CancellationToken ct)
    {
        JsonObject? body;
        try
        {
            using var response = await http.GetAsync(query, ct);
            body = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"error: {body?["error"]?.GetValue<string>() ?? response.StatusCode.ToString()}");
            }
        }
        catch (HttpRequestException e)
        {
            return (null, $"error: cannot reach the control plane at {http.BaseAddress}: {e.Message}");
        }

        var edges = body?["edges"]?.AsArray() ?? [];
        var table = new Table().Border(TableBorder.Simple)
            .Title($"skein top: {edges.Count} edges over {body?["window"]} at {DateTime.Now:HH:mm:ss}")
            .AddColumns("SOURCE", "DESTINATION", "PROTO")
            .AddColumn(new TableColumn("RPS").RightAligned())
            .AddColumn(new TableColumn("ERR %").RightAligned())
            .AddColumn(new TableColumn("P50 ms").RightAligned())
            .AddColumn(new TableColumn("P99 ms").RightAligned())
            .AddColumn(new TableColumn("BYTES").RightAligned())
            .AddColumns("MTLS", "LAST ERROR");
        foreach (var edge in edges.OfType<JsonObject>().OrderByDescending(e => e["errorRatio"]?.GetValue<double>() ?? 0).ThenByDescending(e => e["rps"]?.GetValue<double>() ?? 0))
        {
            var errorRatio = edge["errorRatio"]?.GetValue<double>() ?? 0;
            var color = errorRatio > 0.05 ? "red" : errorRatio > 0 ? "yellow" : "green";
            var last = edge["lastError"] as JsonObject;
            table.AddRow(
                Markup.Escape(Short(edge["source"])),
                Markup.Escape(Short(edge["target"])),
                Markup.Escape(edge["protocol"]?.GetValue<string>() ?? ""),
                Number(edge["rps"], "0.00"),
                $"[{color}]{(errorRatio * 100).ToString("0.0", CultureInfo.InvariantCulture)}[/]",
                Number(edge["p50Ms"], "0.0"),
                Number(edge["p99Ms"], "0.0"),
                Bytes((edge["bytesSent"]?.GetValue<long>() ?? 0) + (edge["bytesReceived"]?.GetValue<long>() ?? 0)),
                edge["mtls"]?.GetValue<string>() == "mutual_tls" ? "[green]mTLS[/]" : $"[yellow]{Markup.Escape(edge["mtls"]?.GetValue<string>() ?? "")}[/]",
                last is null ? "" : $"[red]{Markup.Escape(Truncate($"{last["responseFlags"]} {last["reason"]}", 60))}[/]");
        }

        return (table, null);
    }

    /// <summary>"workload:bookstore/frontend-v1" shown as "bookstore/frontend-v1", services marked "svc".</summary>
    private static string Short(JsonNode? id)
    {
        var text = id?.GetValue<string>() ?? "";
        return text.StartsWith("service:", StringComparison.Ordinal) ? $"svc {text[8..]}" : text.StartsWith("workload:", StringComparison.Ordinal) ? text[9..] : text;
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");

    private static string Number(JsonNode? value, string format) =>
        value is null ? "-" : value.GetValue<double>().ToString(format, CultureInfo.InvariantCulture);

    private static string Bytes(long n) => n switch
    {
        >= 1 << 30 => $"{n / (double)(1 << 30):0.0} GiB",
        >= 1 << 20 => $"{n / (double)(1 << 20):0.0} MiB",
        >= 1 << 10 => $"{n / 1024.0:0.0} KiB",
        _ => $"{n} B",
    };
}
