namespace Skein.Core.Resources;

/// <summary>Inclusive numeric bounds for an integer or floating-point field.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RangeAttribute(double min, double max) : Attribute
{
    /// <summary>Smallest allowed value.</summary>
    public double Min { get; } = min;

    /// <summary>Largest allowed value.</summary>
    public double Max { get; } = max;
}
