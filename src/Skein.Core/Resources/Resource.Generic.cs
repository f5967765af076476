using System.Text.Json.Serialization;

namespace Skein.Core.Resources;

/// <summary>A resource whose desired state lives in a typed <c>spec</c>.</summary>
public abstract class Resource<TSpec> : Resource
    where TSpec : class, new()
{
    /// <summary>Creates the resource with an empty spec.</summary>
    protected Resource(string apiVersion, string kind)
        : base(apiVersion, kind)
    {
    }

    /// <summary>The desired state.</summary>
    [JsonPropertyOrder(-97)]
    public TSpec Spec { get; set; } = new();
}

/// <summary>A resource with a typed <c>spec</c> and a <c>status</c> written by controllers.</summary>
public abstract class Resource<TSpec, TStatus> : Resource<TSpec>
    where TSpec : class, new()
    where TStatus : class
{
    /// <summary>Creates the resource with an empty spec and no status.</summary>
    protected Resource(string apiVersion, string kind)
        : base(apiVersion, kind)
    {
    }

    /// <summary>The observed state; null until a controller (or the input file) sets it.</summary>
    [JsonPropertyOrder(100)]
    [Lenient]
    public TStatus? Status { get; set; }
}
