namespace Skein.Core.Resources;

/// <summary>Closed set of allowed values for a string or integer field kept as a plain value.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OneOfAttribute(params string[] values) : Attribute
{
    /// <summary>The allowed values, compared ordinally.</summary>
    public IReadOnlyList<string> Values { get; } = values;
}
