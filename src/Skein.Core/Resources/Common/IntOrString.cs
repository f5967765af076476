using System.Globalization;
using System.Text.Json.Serialization;

namespace Skein.Core.Resources;

/// <summary>Kubernetes IntOrString: a port number or a named port.</summary>
[JsonConverter(typeof(IntOrStringJsonConverter))]
public sealed class IntOrString : IEquatable<IntOrString>
{
    /// <summary>Creates a numeric value.</summary>
    public IntOrString(int number) => Number = number;

    /// <summary>Creates a named value.</summary>
    public IntOrString(string name) => Name = name ?? throw new ArgumentNullException(nameof(name));

    /// <summary>The number, when the value is numeric.</summary>
    public int? Number { get; }

    /// <summary>The name, when the value is a string.</summary>
    public string? Name { get; }

    /// <summary>True when the value is numeric.</summary>
    public bool IsNumber => Number.HasValue;

    /// <summary>Wraps a number.</summary>
    public static implicit operator IntOrString(int number) => new(number);

    /// <summary>Wraps a name.</summary>
    public static implicit operator IntOrString(string name) => new(name);

    /// <inheritdoc />
    public bool Equals(IntOrString? other) =>
        other is not null && Number == other.Number && string.Equals(Name, other.Name, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as IntOrString);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Number, Name);

    /// <inheritdoc />
    public override string ToString() =>
        Number?.ToString(CultureInfo.InvariantCulture) ?? Name!;
}
