using System.Text.Json.Serialization;

namespace Skein.Core.Resources;

/// <summary>Request predicates of one match; all must hold.</summary>
public sealed class HTTPRouteMatch
{
    /// <summary>Path predicate; a "/" prefix match when absent.</summary>
    public HTTPPathMatch? Path { get; set; }

    /// <summary>Header predicates.</summary>
    [MaxItems(16)]
    public List<HTTPHeaderMatch> Headers { get; set; } = [];

    /// <summary>Query parameter predicates.</summary>
    [MaxItems(16)]
    public List<HTTPQueryParamMatch> QueryParams { get; set; } = [];

    /// <summary>Method predicate.</summary>
    public HTTPMethod? Method { get; set; }
}

/// <summary>A path predicate.</summary>
public sealed class HTTPPathMatch
{
    /// <summary>Exact, PathPrefix (default) or RegularExpression.</summary>
    public PathMatchType Type { get; set; } = PathMatchType.PathPrefix;

    /// <summary>The path or pattern.</summary>
    [MaxLength(1024)]
    public string Value { get; set; } = "/";
}

/// <summary>Path match semantics.</summary>
public enum PathMatchType
{
    /// <summary>The whole path, case-sensitive.</summary>
    Exact,

    /// <summary>Path element prefix ("/abc" matches "/abc/def", not "/abcd").</summary>
    PathPrefix,

    /// <summary>A regular expression over the path.</summary>
    RegularExpression,
}

/// <summary>A header predicate.</summary>
public sealed class HTTPHeaderMatch
{
    /// <summary>Exact (default) or RegularExpression.</summary>
    public HeaderMatchType Type { get; set; } = HeaderMatchType.Exact;

    /// <summary>Header name, case-insensitive.</summary>
    [Required]
    [MaxLength(256)]
    [Format(FieldFormat.HeaderName)]
    public string Name { get; set; } = "";

    /// <summary>Value or pattern.</summary>
    [Required]
    [MaxLength(4096)]
    public string Value { get; set; } = "";
}

/// <summary>A query parameter predicate.</summary>
public sealed class HTTPQueryParamMatch
{
    /// <summary>Exact (default) or RegularExpression.</summary>
    public QueryParamMatchType Type { get; set; } = QueryParamMatchType.Exact;

    /// <summary>Parameter name, case-sensitive.</summary>
    [Required]
    [MaxLength(256)]
    [Format(FieldFormat.HeaderName)]
    public string Name { get; set; } = "";

    /// <summary>Value or pattern.</summary>
    [Required]
    [MaxLength(1024)]
    public string Value { get; set; } = "";
}

/// <summary>Header match semantics (HTTP headers and gRPC metadata).</summary>
public enum HeaderMatchType
{
    /// <summary>Exact comparison.</summary>
    Exact,

    /// <summary>Regular expression.</summary>
    RegularExpression,
}

/// <summary>Query parameter match semantics.</summary>
public enum QueryParamMatchType
{
    /// <summary>Exact comparison.</summary>
    Exact,

    /// <summary>Regular expression.</summary>
    RegularExpression,
}

/// <summary>HTTP methods accepted by Gateway API matches.</summary>
public enum HTTPMethod
{
    /// <summary>GET.</summary>
    [JsonStringEnumMemberName("GET")]
    Get,

    /// <summary>HEAD.</summary>
    [JsonStringEnumMemberName("HEAD")]
    Head,

    /// <summary>POST.</summary>
    [JsonStringEnumMemberName("POST")]
    Post,

    /// <summary>PUT.</summary>
    [JsonStringEnumMemberName("PUT")]
    Put,

    /// <summary>DELETE.</summary>
    [JsonStringEnumMemberName("DELETE")]
    Delete,

    /// <summary>CONNECT.</summary>
    [JsonStringEnumMemberName("CONNECT")]
    Connect,

    /// <summary>OPTIONS.</summary>
    [JsonStringEnumMemberName("OPTIONS")]
    Options,

    /// <summary>TRACE.</summary>
    [JsonStringEnumMemberName("TRACE")]
    Trace,

    /// <summary>PATCH.</summary>
    [JsonStringEnumMemberName("PATCH")]
    Patch,
}
