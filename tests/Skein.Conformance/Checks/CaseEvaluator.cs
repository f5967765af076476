using System.Text.Json.Nodes;
using Skein.Conformance.Corpus;

namespace Skein.Conformance.Checks;

/// <summary>Compares a captured response with a case's expectations, as upstream's CompareRequest does.</summary>
public static class CaseEvaluator
{
    /// <summary>Null when <paramref name="got"/> satisfies <paramref name="expected"/>; otherwise the first difference.</summary>
    public static string? Evaluate(HttpCase expected, RequestTarget target, CapturedResponse got)
    {
        // Upstream treats any timeout status (408, 504) as the expected timeout.
        static bool IsTimeout(int code) => code is 408 or 504;
        var statusOk = expected.Response.StatusCodes.Contains(got.StatusCode)
            || (IsTimeout(got.StatusCode) && expected.Response.StatusCodes.Any(IsTimeout));
        if (!statusOk)
        {
            return $"expected status {string.Join(" or ", expected.Response.StatusCodes)}, got {got.StatusCode}{Snippet(got)}";
        }

        if (expected.Redirect is { } redirect)
        {
            if (RedirectProblem(expected, redirect, target, got) is { } problem)
            {
                return problem;
            }
        }

        foreach (var (name, value) in expected.Response.Headers)
        {
            if (!got.Headers.TryGetValue(name, out var values))
            {
                return $"expected response header {name}: {value}, it is missing";
            }

            if (string.Join(",", values) != value)
            {
                return $"expected response header {name}: {value}, got {string.Join(",", values)}";
            }
        }

        foreach (var (name, valid) in expected.Response.ValidHeaderValues)
        {
            string Norm(string v) => expected.Response.IgnoreWhitespace ? string.Concat(v.Where(ch => !char.IsWhiteSpace(ch))) : v;
            if (!got.Headers.TryGetValue(name, out var values))
            {
                return $"expected response header {name} (one of {string.Join(" | ", valid)}), it is missing";
            }

            if (!valid.Any(v => Norm(v) == Norm(string.Join(",", values))))
            {
                return $"expected response header {name} to be one of {string.Join(" | ", valid)}, got {string.Join(",", values)}";
            }
        }

        foreach (var name in expected.Response.AbsentHeaders)
        {
            if (got.Headers.ContainsKey(name))
            {
                return $"expected response header {name} to be absent, got {string.Join(",", got.Headers[name])}";
            }
        }

        // Like upstream, what the backend saw is only compared on 200 responses (not on redirects or errors).
        if (got.StatusCode != 200 || expected.Redirect is not null)
        {
            return null;
        }

        // An explicitly empty expected path (CORS preflights) means the gateway answers itself: no backend to compare.
        if (expected.ExpectedRequest.Path is "")
        {
            return got.Echo is null ? null : $"expected the gateway to answer, the request reached pod {got.Echo["pod"]}";
        }

        // Like upstream, a body that is not an echo reply reads as an empty request: only empty expectations hold.
        return RequestProblem(expected, got.Echo ?? []);
    }

    // What the backend saw of the TLS a gateway originated to it (the echo's "tls" object).
    private static string? TlsProblem(HttpCaseExpectedRequest seen, JsonObject? tls)
    {
        if (seen.Sni is null && seen.ClientCertificate is null)
        {
            return null;
        }

        if (tls is null)
        {
            return "expected the backend to be reached over TLS, it was reached in plaintext";
        }

        var serverName = tls["serverName"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
        if (seen.Sni is { } sni && serverName != sni)
        {
            return $"expected the backend to be asked for SNI {sni}, got '{serverName}'";
        }

        static string Der(string pem) => string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).Select(l => l.Trim()));
        var presented = (tls["peerCertificates"] as JsonArray ?? []).Select(c => c?.GetValue<string>() ?? "").FirstOrDefault();
        if (seen.ClientCertificate is { } expectedPem && (presented is null || Der(presented) != Der(expectedPem)))
        {
            return presented is null ? "expected the backend to be presented a client certificate, it was presented none" : "the backend was presented another client certificate than expected";
        }

        return null;
    }

    private static string? RequestProblem(HttpCase expected, JsonObject echo)
    {
        var seen = expected.ExpectedRequest;
        string Str(string key) => echo[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

        if (seen.Path is { } path && Str("path") != path)
        {
            return $"expected the backend to see path {path}, got {Str("path")}";
        }

        if (seen.Method is { } method && Str("method") != method)
        {
            return $"expected the backend to see method {method}, got {Str("method")}";
        }

        if (seen.Host is { Length: > 0 } host && Str("host") != host)
        {
            return $"expected the backend to see host {host}, got {Str("host")}";
        }

        if (expected.Namespace is { Length: > 0 } ns && Str("namespace") != ns)
        {
            return $"expected namespace {ns}, got {Str("namespace")} (pod {Str("pod")})";
        }

        if (expected.Backend is { Length: > 0 } backend && !Str("pod").StartsWith(backend, StringComparison.Ordinal))
        {
            return $"expected backend {backend}, got pod {Str("pod")}";
        }

        if (TlsProblem(seen, echo["tls"] as JsonObject) is { } tlsProblem)
        {
            return tlsProblem;
        }

        var headers = echo["headers"] as JsonObject ?? [];
        string? Header(string name)
        {
            var match = headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));
            return match.Value is JsonArray values ? string.Join(",", values.Select(v => v?.GetValue<string>())) : null;
        }

        foreach (var (name, value) in seen.Headers)
        {
            var actual = Header(name);
            if (actual is null)
            {
                return $"expected the backend to see header {name}: {value}, it is missing";
            }

            if (actual != value)
            {
                return $"expected the backend to see header {name}: {value}, got {actual}";
            }
        }

        foreach (var name in seen.AbsentHeaders)
        {
            if (Header(name) is { } present)
            {
                return $"expected header {name} to be removed before the backend, it saw {present}";
            }
        }

        return null;
    }

    private static string? RedirectProblem(HttpCase expected, HttpCaseRedirect redirect, RequestTarget target, CapturedResponse got)
    {
        if (!got.Headers.TryGetValue("location", out var locations) || locations.Count == 0)
        {
            return $"expected a redirect, the {got.StatusCode} response has no Location";
        }

        var location = Location.Parse(locations[0]);
        var requestPath = expected.Request.Path.Split('?')[0];
        // Unset expectations default to the request's own values (upstream's setRedirectRequestDefaults).
        var wantScheme = redirect.Scheme ?? target.Scheme;
        // An unset port accepts none or the scheme's well-known one (upstream's note on redirect tests).
        var defaultPort = wantScheme == "https" ? "443" : "80";
        var portOk = redirect.Port is { } wantPort ? location.Port == wantPort : location.Port.Length == 0 || location.Port == defaultPort;
        var wantPath = redirect.Path ?? requestPath;
        if (redirect.Host is { } host && location.Host != host)
        {
            return $"expected redirect host {host}, got {location.Host} (Location {locations[0]})";
        }

        if ((location.Scheme ?? target.Scheme) != wantScheme)
        {
            return $"expected redirect scheme {wantScheme}, got {location.Scheme} (Location {locations[0]})";
        }

        if (!portOk)
        {
            return $"expected redirect port {redirect.Port ?? $"(none or {defaultPort})"}, got {(location.Port.Length == 0 ? "(none)" : location.Port)} (Location {locations[0]})";
        }

        if (location.Path != wantPath)
        {
            return $"expected redirect path {wantPath}, got {location.Path} (Location {locations[0]})";
        }

        return null;
    }

    private static string Snippet(CapturedResponse got)
    {
        var body = got.Body.ReplaceLineEndings(" ").Trim();
        return body.Length == 0 ? "" : $" ({(body.Length > 160 ? body[..160] + "…" : body)})";
    }
}

/// <summary>A Location header split like Go's url.Parse: scheme, host, explicit port ("" if none), path.</summary>
public sealed record Location(string? Scheme, string? Host, string Port, string Path)
{
    /// <summary>Parses an absolute or relative Location value.</summary>
    public static Location Parse(string value)
    {
        string? scheme = null;
        var rest = value;
        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0)
        {
            scheme = value[..schemeEnd];
            rest = value[(schemeEnd + 3)..];
        }
        else if (!value.StartsWith("//", StringComparison.Ordinal))
        {
            return new Location(null, null, "", StripQuery(value));
        }
        else
        {
            rest = value[2..];
        }

        var pathStart = rest.IndexOfAny(['/', '?', '#']);
        var authority = pathStart < 0 ? rest : rest[..pathStart];
        var path = pathStart < 0 ? "" : StripQuery(rest[pathStart..]);
        string host = authority, port = "";
        var colon = authority.LastIndexOf(':');
        if (colon >= 0 && !authority[colon..].Contains(']'))
        {
            host = authority[..colon];
            port = authority[(colon + 1)..];
        }

        return new Location(scheme, host, port, path);
    }

    private static string StripQuery(string s)
    {
        var end = s.IndexOfAny(['?', '#']);
        return end < 0 ? s : s[..end];
    }
}
