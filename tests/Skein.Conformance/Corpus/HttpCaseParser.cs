using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Skein.Conformance.Corpus;

/// <summary>The outcome of reading one case: a runnable case, or the reason it cannot run.</summary>
public sealed record ParsedCase(HttpCase? Case, string? SkipReason)
{
    /// <summary>A `$kind: grpc` case (Case is then null).</summary>
    public GrpcCase? Grpc { get; init; }

    /// <summary>A `$kind: tcp` case (Case is then null).</summary>
    public TcpCase? Tcp { get; init; }
}

/// <summary>
/// Turns a cases[] entry into an <see cref="HttpCase"/>, applying upstream's defaults (GET, status 200,
/// ExpectedRequest = the request) and resolving the few Go expressions whose meaning is unambiguous.
/// </summary>
public static partial class HttpCaseParser
{
    /// <summary>Parses entry <paramref name="index"/> of a test's cases.</summary>
    public static ParsedCase Parse(JsonObject entry, int index)
    {
        var kind = CorpusLoader.Str(entry["$kind"]) ?? "http";
        if (kind == "grpc")
        {
            return new ParsedCase(null, null) { Grpc = StreamCaseParser.Grpc(entry, index) };
        }

        if (kind == "tcp")
        {
            return new ParsedCase(null, null) { Tcp = StreamCaseParser.Tcp(entry, index) };
        }

        if (kind is not "http" and not "websocket")
        {
            return new ParsedCase(null, $"case kind '{kind}' is not one this runner knows (http, websocket, grpc, tcp)");
        }

        try
        {
            var built = Build(entry, index);
            built = built with { Gateway = CorpusLoader.Str(entry["$gateway"]) };
            return new ParsedCase(kind == "websocket" ? built with { Kind = CaseKind.WebSocket } : built, null);
        }
        catch (UnresolvedExpressionException e)
        {
            return new ParsedCase(null, $"unresolved Go expression {e.Field} = {e.Expression}");
        }
    }

    private static HttpCase Build(JsonObject entry, int index)
    {
        var request = Obj(entry["Request"]);
        var path = Text(request, "Path", "Request.Path") ?? "/";
        var method = Text(request, "Method", "Request.Method") ?? "GET";
        var host = Text(request, "Host", "Request.Host");
        var req = new HttpCaseRequest(
            host,
            method,
            path,
            Map(request["Headers"], "Request.Headers"),
            Protocol(request["Protocol"]),
            request["UnfollowRedirect"] is JsonValue u && u.TryGetValue<bool>(out var unfollow) && unfollow)
        {
            ServerName = Text(request, "ServerName", "Request.ServerName"),
            Port = request["Port"] is { } port ? Int(port, "Request.Port") : null,
            ClientCertificate = Text(request, "ClientCertificate", "Request.ClientCertificate"),
        };

        var response = entry["Response"];
        if (IsExpr(response, out var responseExpr))
        {
            throw new UnresolvedExpressionException("Response", responseExpr);
        }

        var resp = Obj(response);
        var codes = new List<int>();
        if (resp["StatusCode"] is { } single)
        {
            codes.Add(Int(single, "Response.StatusCode"));
        }

        codes.AddRange((resp["StatusCodes"] as JsonArray ?? []).OfType<JsonNode>().Select(c => Int(c, "Response.StatusCodes")));
        if (codes.Count == 0)
        {
            codes.Add(200);
        }

        var expected = Obj(entry["ExpectedRequest"]);
        var expectedRequest = expected.Count == 0
            // Upstream defaults ExpectedRequest to the request itself, headers included.
            ? new HttpCaseExpectedRequest(path, host, method, req.Headers, [])
            : new HttpCaseExpectedRequest(
                Text(Obj(expected["Request"]), "Path", "ExpectedRequest.Request.Path") ?? path,
                Text(Obj(expected["Request"]), "Host", "ExpectedRequest.Request.Host"),
                Text(Obj(expected["Request"]), "Method", "ExpectedRequest.Request.Method") ?? method,
                Map(Obj(expected["Request"])["Headers"], "ExpectedRequest.Request.Headers"),
                List(expected["AbsentHeaders"], "ExpectedRequest.AbsentHeaders"))
            {
                Sni = Text(Obj(expected["Request"]), "SNI", "ExpectedRequest.Request.SNI"),
                ClientCertificate = Text(Obj(expected["Request"]), "ClientCert", "ExpectedRequest.Request.ClientCert"),
            };

        HttpCaseRedirect? redirect = null;
        if (entry["RedirectRequest"] is JsonObject r)
        {
            redirect = new HttpCaseRedirect(
                Text(r, "Scheme", "RedirectRequest.Scheme"),
                Text(r, "Host", "RedirectRequest.Host"),
                Text(r, "Port", "RedirectRequest.Port"),
                Text(r, "Path", "RedirectRequest.Path"));
        }

        var mirrors = (entry["MirroredTo"] as JsonArray ?? []).OfType<JsonObject>().Select(m =>
        {
            var backend = Obj(m["BackendRef"]);
            return new HttpCaseMirror(
                Text(backend, "Name", "MirroredTo.BackendRef.Name") ?? "",
                Text(backend, "Namespace", "MirroredTo.BackendRef.Namespace"),
                m["Percent"] is { } p ? Int(p, "MirroredTo.Percent") : null);
        }).ToList();

        var name = CorpusLoader.Str(entry["TestCaseName"]) is { Length: > 0 } named
            ? named
            : $"{index}: {method} {host ?? ""}{path}";

        return new HttpCase(
            name,
            req,
            Text(entry, "Backend", "Backend"),
            Text(entry, "Namespace", "Namespace"),
            new HttpCaseResponse(codes, Map(resp["Headers"], "Response.Headers"), List(resp["AbsentHeaders"], "Response.AbsentHeaders"))
            {
                ValidHeaderValues = (resp["ValidHeaderValues"] as JsonObject ?? [])
                    .ToDictionary(p => p.Key, p => (IReadOnlyList<string>)List(p.Value, $"Response.ValidHeaderValues.{p.Key}"), StringComparer.OrdinalIgnoreCase),
                IgnoreWhitespace = resp["IgnoreWhitespace"] is JsonValue w && w.TryGetValue<bool>(out var ignore) && ignore,
            },
            expectedRequest,
            redirect,
            mirrors,
            Map(entry["BackendSetResponseHeaders"], "BackendSetResponseHeaders"))
        {
            ExpectFailure = entry["ExpectFailure"] is JsonValue fail && fail.TryGetValue<bool>(out var failure) && failure,
        };
    }

    // roundtripper's protocol constants are the only expressions with one obvious meaning.
    private static HttpProtocol Protocol(JsonNode? node)
    {
        if (node is null)
        {
            return HttpProtocol.Http11;
        }

        var text = IsExpr(node, out var expr) ? expr : CorpusLoader.Str(node) ?? "";
        return text switch
        {
            "roundtripper.H2CPriorKnowledgeProtocol" or "H2C_PRIOR_KNOWLEDGE" => HttpProtocol.H2c,
            "roundtripper.H2Protocol" or "HTTP/2" => HttpProtocol.H2,
            "" or "HTTP/1.1" or "roundtripper.HTTPProtocol" => HttpProtocol.Http11,
            _ => throw new UnresolvedExpressionException("Request.Protocol", text),
        };
    }

    private static int Int(JsonNode node, string field)
    {
        if (IsExpr(node, out var expr))
        {
            // new(int32(20)) is a pointer to a literal: its value is clear.
            var literal = PointerLiteral().Match(expr);
            return literal.Success ? int.Parse(literal.Groups[1].Value, CultureInfo.InvariantCulture) : throw new UnresolvedExpressionException(field, expr);
        }

        return node is JsonValue v && v.TryGetValue<int>(out var i) ? i
            : int.TryParse(CorpusLoader.Str(node), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed
            : throw new FormatException($"{field}: expected an integer, got {node.ToJsonString()}");
    }

    private static string? Text(JsonObject parent, string key, string field)
    {
        var node = parent[key];
        if (node is null)
        {
            return null;
        }

        if (IsExpr(node, out var expr))
        {
            throw new UnresolvedExpressionException(field, expr);
        }

        return CorpusLoader.Str(node) ?? node.ToJsonString();
    }

    private static Dictionary<string, string> Map(JsonNode? node, string field)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in node as JsonObject ?? [])
        {
            if (v is not null && IsExpr(v, out var expr))
            {
                throw new UnresolvedExpressionException($"{field}.{k}", expr);
            }

            result[k] = CorpusLoader.Str(v) ?? v?.ToJsonString() ?? "";
        }

        return result;
    }

    private static List<string> List(JsonNode? node, string field) =>
        (node as JsonArray ?? []).Select(n => n is not null && IsExpr(n, out var e) ? throw new UnresolvedExpressionException(field, e) : CorpusLoader.Str(n) ?? "").ToList();

    private static JsonObject Obj(JsonNode? node) => node as JsonObject ?? [];

    private static bool IsExpr(JsonNode? node, out string expression)
    {
        expression = node is JsonObject o && o.TryGetPropertyValue("$expr", out var e) ? CorpusLoader.Str(e) ?? "" : "";
        return node is JsonObject obj && obj.ContainsKey("$expr");
    }

    [GeneratedRegex(@"^new\(int(?:32|64)?\((\d+)\)\)$")]
    private static partial Regex PointerLiteral();

    private sealed class UnresolvedExpressionException(string field, string expression) : Exception($"{field}: {expression}")
    {
        public string Field { get; } = field;

        public string Expression { get; } = expression;
    }
}
