namespace Skein.Core.Resources;

/// <summary>Marks a field that must be present (and, for strings, non-empty) in the input.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredAttribute : Attribute;
