using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Skein.Core.Configuration;

/// <summary>Strict IP, CIDR, URL and endpoint syntax (IPAddress.TryParse alone accepts "10.1" and "1").</summary>
internal static partial class NetRules
{
    public static bool IsIpAddress(string value)
    {
        if (value.Contains(':', StringComparison.Ordinal))
        {
            return !value.Contains('%', StringComparison.Ordinal)
                && !value.Contains('[', StringComparison.Ordinal)
                && IPAddress.TryParse(value, out var address)
                && address.AddressFamily == AddressFamily.InterNetworkV6;
        }

        return Ipv4().IsMatch(value);
    }

    public static bool IsCidr(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return false;
        }

        var address = value[..slash];
        var prefix = value[(slash + 1)..];
        if (!IsIpAddress(address) || prefix.Length is 0 or > 3 || !prefix.All(char.IsAsciiDigit))
        {
            return false;
        }

        var bits = int.Parse(prefix, CultureInfo.InvariantCulture);
        return bits <= (address.Contains(':', StringComparison.Ordinal) ? 128 : 32);
    }

    public static bool IsIpOrCidr(string value) => IsIpAddress(value) || IsCidr(value);

    public static bool IsUrl(string value, params string[] schemes) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && schemes.Contains(uri.Scheme, StringComparer.Ordinal)
        && uri.Host.Length > 0
        && value.StartsWith(uri.Scheme + "://", StringComparison.Ordinal);

    /// <summary>"host:port" with a DNS name, IPv4 address or bracketed IPv6 address, or an http(s) URL.</summary>
    public static bool IsEndpoint(string value)
    {
        if (value.Contains("://", StringComparison.Ordinal))
        {
            return IsUrl(value, "http", "https");
        }

        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !IsPort(value[(colon + 1)..]))
        {
            return false;
        }

        var host = value[..colon];
        return host.StartsWith('[') && host.EndsWith(']')
            ? IsIpAddress(host[1..^1]) && host.Contains(':', StringComparison.Ordinal)
            : IsIpAddress(host) || NameRules.IsDnsSubdomain(host);
    }

    /// <summary>A decimal port 1..65535 without sign or leading zeros.</summary>
    public static bool IsPort(string value) =>
        value.Length is > 0 and <= 5
        && value.All(char.IsAsciiDigit)
        && value[0] != '0'
        && int.Parse(value, CultureInfo.InvariantCulture) <= 65535;

    [GeneratedRegex(@"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv4();
}
