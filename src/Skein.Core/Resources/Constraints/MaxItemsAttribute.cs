namespace Skein.Core.Resources;

/// <summary>Largest number of entries a list or map field may have.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxItemsAttribute(int count) : Attribute
{
    /// <summary>The maximum entry count.</summary>
    public int Count { get; } = count;
}
