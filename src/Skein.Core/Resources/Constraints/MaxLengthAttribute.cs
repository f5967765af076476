namespace Skein.Core.Resources;

/// <summary>Largest length of a string field (or of each string in a list).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxLengthAttribute(int length) : Attribute
{
    /// <summary>The maximum character count.</summary>
    public int Length { get; } = length;
}
