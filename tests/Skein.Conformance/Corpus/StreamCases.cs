using System.Text.Json.Nodes;

namespace Skein.Conformance.Corpus;

/// <summary>The GrpcEcho method a gRPC case calls.</summary>
public enum GrpcMethod
{
    /// <summary>/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo</summary>
    Echo,

    /// <summary>…/EchoTwo</summary>
    EchoTwo,

    /// <summary>…/EchoThree (unimplemented by the echo on purpose)</summary>
    EchoThree,
}

/// <summary>A `$kind: grpc` case: one unary call with metadata, the expected status code, serving pod and response metadata.</summary>
public sealed record GrpcCase(
    string Name,
    GrpcMethod Method,
    string? Authority,
    IReadOnlyDictionary<string, string> Metadata,
    string? Backend,
    string? Namespace,
    string ExpectedCode,
    IReadOnlyDictionary<string, string> ResponseHeaders)
{
    /// <summary>The gRPC path of <see cref="Method"/>.</summary>
    public string FullMethod => $"/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/{Method}";
}

/// <summary>A `$kind: tcp` case: connect (TLS with SNI when a hostname is given) and talk to the TCP echo.</summary>
public sealed record TcpCase(string Name, string? Backend, string? Namespace, string? Hostname, bool BackendIsTls);

/// <summary>Reads `$kind: grpc` and `$kind: tcp` entries (see the corpus README).</summary>
public static class StreamCaseParser
{
    /// <summary>The gRPC case in <paramref name="entry"/>; throws <see cref="FormatException"/> naming the field.</summary>
    public static GrpcCase Grpc(JsonObject entry, int index)
    {
        var method = entry.ContainsKey("EchoThreeRequest") ? GrpcMethod.EchoThree
            : entry.ContainsKey("EchoTwoRequest") ? GrpcMethod.EchoTwo
            : entry.ContainsKey("EchoRequest") ? GrpcMethod.Echo
            : throw new FormatException($"case {index}: a grpc case needs one of EchoRequest, EchoTwoRequest, EchoThreeRequest");
        var metadata = entry["RequestMetadata"] as JsonObject ?? [];
        var response = entry["Response"] as JsonObject ?? [];
        var code = response["Code"] switch
        {
            null => "OK",
            JsonObject o when CorpusLoader.Str(o["$grpcCode"]) is { } named => named,
            var other => CorpusLoader.Str(other) ?? other.ToJsonString(),
        };
        var name = CorpusLoader.Str(entry["TestCaseName"]) is { Length: > 0 } n ? n : $"{index}: grpc {method}";
        return new GrpcCase(
            name,
            method,
            CorpusLoader.Str(metadata["Authority"]),
            Strings(metadata["Metadata"]),
            CorpusLoader.Str(entry["Backend"]),
            CorpusLoader.Str(entry["Namespace"]),
            code,
            Strings(response["Headers"]));
    }

    /// <summary>The TCP case in <paramref name="entry"/>.</summary>
    public static TcpCase Tcp(JsonObject entry, int index)
    {
        var hostname = CorpusLoader.Str(entry["Hostname"]);
        var name = CorpusLoader.Str(entry["TestCaseName"]) is { Length: > 0 } n ? n : $"{index}: tcp {(hostname is null ? "" : "sni " + hostname + " ")}-> {CorpusLoader.Str(entry["Backend"])}";
        return new TcpCase(
            name,
            CorpusLoader.Str(entry["Backend"]),
            CorpusLoader.Str(entry["Namespace"]),
            hostname,
            entry["BackendIsTLS"] is JsonValue v && v.TryGetValue<bool>(out var tls) && tls);
    }

    private static Dictionary<string, string> Strings(JsonNode? node) =>
        (node as JsonObject ?? []).ToDictionary(p => p.Key, p => CorpusLoader.Str(p.Value) ?? p.Value?.ToJsonString() ?? "", StringComparer.OrdinalIgnoreCase);
}
