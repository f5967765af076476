namespace Skein.Conformance.Corpus;

/// <summary>How the client speaks to the gateway for one case.</summary>
public enum HttpProtocol
{
    /// <summary>HTTP/1.1 (the default).</summary>
    Http11,

    /// <summary>HTTP/2 with prior knowledge over cleartext.</summary>
    H2c,

    /// <summary>HTTP/2 negotiated over TLS.</summary>
    H2,
}

/// <summary>What the client sends.</summary>
public sealed record HttpCaseRequest(
    string? Host,
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Headers,
    HttpProtocol Protocol,
    bool UnfollowRedirect)
{
    /// <summary>TLS server name (SNI) to connect with; set means HTTPS to the Gateway's HTTPS listener.</summary>
    public string? ServerName { get; init; }

    /// <summary>The listener port to send to, when the case names it (a Gateway with several HTTPS ports).</summary>
    public int? Port { get; init; }

    /// <summary>A client certificate Secret ("namespace/name", one the runner created) presented when the server asks.</summary>
    public string? ClientCertificate { get; init; }
}

/// <summary>What the client must receive; StatusCodes lists the acceptable codes (any one).</summary>
public sealed record HttpCaseResponse(
    IReadOnlyList<int> StatusCodes,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyList<string> AbsentHeaders)
{
    /// <summary>Response headers whose value must be one of several (CORS: any order of the same list).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ValidHeaderValues { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Compare <see cref="ValidHeaderValues"/> with whitespace removed.</summary>
    public bool IgnoreWhitespace { get; init; }
}

/// <summary>What the backend must have seen after the route's filters; null fields are not checked.</summary>
public sealed record HttpCaseExpectedRequest(
    string? Path,
    string? Host,
    string? Method,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyList<string> AbsentHeaders)
{
    /// <summary>The TLS server name the backend must have been asked for (upstream's Request.SNI; a gateway originating backend TLS sets it).</summary>
    public string? Sni { get; init; }

    /// <summary>PEM of the client certificate the backend must have been presented (upstream's Request.ClientCert).</summary>
    public string? ClientCertificate { get; init; }
}

/// <summary>The expected Location of a redirect; null fields default to the request's values.</summary>
public sealed record HttpCaseRedirect(string? Scheme, string? Host, string? Port, string? Path);

/// <summary>A backend (Deployment name prefix) that must receive a mirrored copy.</summary>
public sealed record HttpCaseMirror(string Name, string? Namespace, int? Percent);

/// <summary>One request/response expectation of a test (cases[] entries with $kind http).</summary>
public sealed record HttpCase(
    string Name,
    HttpCaseRequest Request,
    string? Backend,
    string? Namespace,
    HttpCaseResponse Response,
    HttpCaseExpectedRequest ExpectedRequest,
    HttpCaseRedirect? Redirect,
    IReadOnlyList<HttpCaseMirror> MirroredTo,
    IReadOnlyDictionary<string, string> BackendSetResponseHeaders)
{
    /// <summary>The placeholder in a path replaced by a fresh id on every attempt (upstream's retry probes).</summary>
    public const string UuidPlaceholder = "{uuid}";

    /// <summary>How the case is exchanged: plain request/response, or a WebSocket conversation.</summary>
    public CaseKind Kind { get; init; } = CaseKind.Http;

    /// <summary>The Gateway ("namespace/name") upstream sends this case to; null = any of the test's.</summary>
    public string? Gateway { get; init; }

    /// <summary>
    /// The request must fail without an HTTP response (upstream's MakeTLSRequestAndExpectFailureResponse: the TLS
    /// handshake is refused or the connection closed); run after the test's other cases hold.
    /// </summary>
    public bool ExpectFailure { get; init; }

    /// <summary>This case for one attempt: the {uuid} placeholder becomes a fresh id (request and expected path alike).</summary>
    public HttpCase ForAttempt()
    {
        if (!Request.Path.Contains(UuidPlaceholder, StringComparison.Ordinal))
        {
            return this;
        }

        var id = Guid.NewGuid().ToString();
        return this with
        {
            Request = Request with { Path = Request.Path.Replace(UuidPlaceholder, id, StringComparison.Ordinal) },
            ExpectedRequest = ExpectedRequest with { Path = ExpectedRequest.Path?.Replace(UuidPlaceholder, id, StringComparison.Ordinal) },
        };
    }
}

/// <summary>The exchange a case describes.</summary>
public enum CaseKind
{
    /// <summary>One HTTP request and its response.</summary>
    Http,

    /// <summary>A WebSocket upgrade, then a text and a binary message that must come back unchanged.</summary>
    WebSocket,
}
