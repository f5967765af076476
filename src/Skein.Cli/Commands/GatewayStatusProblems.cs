using System.Text.Json.Nodes;

namespace Skein.Cli.Commands;

/// <summary>Reads the Gateway API status the control plane computed and names what is not accepted, resolved or programmed.</summary>
internal static class GatewayStatusProblems
{
    public const string ControllerName = "skein.dev/gateway-controller";

    public static readonly string[] Kinds = ["Gateway", "ListenerSet", "HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute"];

    public static IEnumerable<string> Of(JsonNode? resource)
    {
        if (resource?["status"] is not { } status)
        {
            yield break;
        }

        var name = $"{resource["kind"]} {resource["metadata"]?["namespace"]}/{resource["metadata"]?["name"]}";
        foreach (var problem in Problems(status["conditions"]))
        {
            yield return $"{name}: {problem}";
        }

        foreach (var listener in status["listeners"]?.AsArray() ?? [])
        {
            foreach (var problem in Problems(listener?["conditions"]))
            {
                yield return $"{name} listener {listener?["name"]}: {problem}";
            }
        }

        foreach (var parent in status["parents"]?.AsArray() ?? [])
        {
            if (parent?["controllerName"]?.GetValue<string>() != ControllerName)
            {
                continue;
            }

            var reference = parent["parentRef"];
            var what = $"{reference?["kind"]} {reference?["namespace"] ?? resource["metadata"]?["namespace"]}/{reference?["name"]}"
                + (reference?["sectionName"] is { } section ? $" section {section}" : "")
                + (reference?["port"] is { } port ? $" port {port}" : "");
            foreach (var problem in Problems(parent["conditions"]))
            {
                yield return $"{name} (parent {what}): {problem}";
            }
        }
    }

    // Conflicted is the one condition whose healthy value is False; a Gateway's AttachedListenerSets only informs
    // (False just means no ListenerSet is attached, and the rejected ListenerSets report why themselves).
    private static IEnumerable<string> Problems(JsonNode? conditions) =>
        (conditions?.AsArray() ?? [])
            .Where(c => c?["type"]?.GetValue<string>() != "AttachedListenerSets")
            .Where(c => c?["status"]?.GetValue<string>() is { } value && (c["type"]?.GetValue<string>() == "Conflicted" ? value == "True" : value == "False"))
            .Select(c => $"{c!["type"]} {c["status"]} ({c["reason"]}){(c["message"]?.GetValue<string>() is { Length: > 0 } message ? $": {message}" : "")}");
}
