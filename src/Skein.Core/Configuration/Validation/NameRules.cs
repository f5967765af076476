using System.Text.RegularExpressions;

namespace Skein.Core.Configuration;

/// <summary>Kubernetes naming rules (RFC 1123 labels and subdomains, qualified names, label values).</summary>
internal static partial class NameRules
{
    public static bool IsDnsLabel(string value) => value.Length is > 0 and <= 63 && DnsLabel().IsMatch(value);

    public static bool IsDnsSubdomain(string value) => value.Length is > 0 and <= 253 && DnsSubdomain().IsMatch(value);

    /// <summary>A label or annotation key: optional DNS-subdomain prefix and '/', then a name of at most 63 characters.</summary>
    public static bool IsQualifiedName(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? value : value[(slash + 1)..];
        if (slash >= 0 && !IsDnsSubdomain(value[..slash]))
        {
            return false;
        }

        return name.Length is > 0 and <= 63 && QualifiedNamePart().IsMatch(name);
    }

    public static bool IsLabelValue(string value) => value.Length <= 63 && LabelValue().IsMatch(value);

    /// <summary>An IANA service name, as used for named ports: at most 15 lowercase alphanumerics and '-', with a letter, no "--".</summary>
    public static bool IsPortName(string value) =>
        value.Length is > 0 and <= 15
        && PortName().IsMatch(value)
        && value.Any(char.IsAsciiLetterLower)
        && !value.Contains("--", StringComparison.Ordinal);

    public static bool IsKind(string value) => value.Length is > 0 and <= 63 && Kind().IsMatch(value);

    public static bool IsConfigKey(string value) => value.Length is > 0 and <= 253 && ConfigKey().IsMatch(value) && value is not "." and not "..";

    public const string DnsLabelRule = "at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit";

    public const string DnsSubdomainRule = "at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValue();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex PortName();

    [GeneratedRegex("^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Kind();

    [GeneratedRegex("^[-._a-zA-Z0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ConfigKey();
}
