namespace Skein.Core.Resources;

/// <summary>Binds a subtree best-effort: unknown fields and bad values are dropped instead of reported (used for status).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class LenientAttribute : Attribute;
