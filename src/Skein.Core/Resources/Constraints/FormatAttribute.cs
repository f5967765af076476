namespace Skein.Core.Resources;

/// <summary>Syntactic format a string field (or each string in a list or map) must satisfy.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FormatAttribute(FieldFormat format) : Attribute
{
    /// <summary>The required format.</summary>
    public FieldFormat Format { get; } = format;
}
