namespace Skein.Core.Resources;

/// <summary>Smallest number of entries a list or map field may have when present.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinItemsAttribute(int count) : Attribute
{
    /// <summary>The minimum entry count.</summary>
    public int Count { get; } = count;
}
