using System.Text.RegularExpressions;
using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>Checks a string against a <see cref="FieldFormat"/>; returns the problem, or null when it is fine.</summary>
internal static partial class FormatRules
{
    public static string? Check(FieldFormat format, string value)
    {
        var shown = YamlScalars.Quote(value);
        return format switch
        {
            FieldFormat.DnsLabel when !NameRules.IsDnsLabel(value) =>
                $"{shown} is not a valid DNS label: use {NameRules.DnsLabelRule}",
            FieldFormat.DnsSubdomain when !NameRules.IsDnsSubdomain(value) =>
                $"{shown} is not a valid DNS name: use {NameRules.DnsSubdomainRule}",
            FieldFormat.IpAddress when !NetRules.IsIpAddress(value) =>
                $"{shown} is not a valid IP address",
            FieldFormat.IpOrCidr when !NetRules.IsIpOrCidr(value) =>
                $"{shown} is not a valid IP address or CIDR block",
            FieldFormat.Duration when !Duration.TryParse(value, out _) =>
                $"{shown} is not a valid duration (examples: \"100ms\", \"5s\", \"1m\", \"1h30m\")",
            FieldFormat.GatewayDuration when !Duration.IsGatewayApiDuration(value) =>
                $"{shown} is not a valid Gateway API duration: use up to 4 groups of 1-5 digits with unit h, m, s or ms (e.g. \"500ms\", \"1h30m\")",
            FieldFormat.Hostname when !IsHostname(value, allowWildcard: true) =>
                $"{shown} is not a valid hostname: use lowercase DNS labels, optionally starting with \"*.\" (IP addresses are not allowed)",
            FieldFormat.PreciseHostname when !IsHostname(value, allowWildcard: false) =>
                $"{shown} is not a valid hostname: use lowercase DNS labels without wildcards (IP addresses are not allowed)",
            FieldFormat.Group when value.Length > 0 && !NameRules.IsDnsSubdomain(value) =>
                $"{shown} is not a valid API group: use \"\" for the core group or a DNS name such as gateway.networking.k8s.io",
            FieldFormat.Kind when !NameRules.IsKind(value) =>
                $"{shown} is not a valid kind: use a letter followed by letters, digits and '-'",
            FieldFormat.HeaderName when !HeaderName().IsMatch(value) =>
                $"{shown} is not a valid header name",
            FieldFormat.PortString when !NetRules.IsPort(value) =>
                $"{shown} is not a valid port: use a number from 1 to 65535",
            FieldFormat.Base64 when !IsBase64(value) =>
                "value is not valid base64",
            FieldFormat.HttpsUrl when !NetRules.IsUrl(value, "https") =>
                $"{shown} is not an absolute https:// URL",
            FieldFormat.HttpUrl when !NetRules.IsUrl(value, "http", "https") =>
                $"{shown} is not an absolute http:// or https:// URL",
            FieldFormat.AbsoluteUri when value.Length > 253 || !AbsoluteUri().IsMatch(value) =>
                $"{shown} is not an absolute URI (scheme://...)",
            FieldFormat.SpiffeId when !SpiffeRules.IsSpiffeId(value) =>
                $"{shown} is not a valid SPIFFE ID: use spiffe://<trust-domain>/<path>",
            FieldFormat.TrustDomain when !SpiffeRules.IsTrustDomain(value) =>
                $"{shown} is not a valid trust domain: use lowercase letters, digits, '.', '-' and '_'",
            FieldFormat.QualifiedName when !NameRules.IsQualifiedName(value) =>
                $"{shown} is not a valid key: use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
            FieldFormat.LabelValue when !NameRules.IsLabelValue(value) =>
                $"{shown} is not a valid label value: use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
            FieldFormat.ProtocolType when value.Length > 255 || !ProtocolType().IsMatch(value) =>
                $"{shown} is not a valid protocol: use HTTP, HTTPS, TLS, TCP, UDP or a domain-prefixed name such as example.com/proto",
            FieldFormat.AddressType when value.Length > 253 || !AddressType().IsMatch(value) =>
                $"{shown} is not a valid address type: use IPAddress, Hostname or a domain-prefixed name such as example.com/type",
            FieldFormat.CorsOrigin when value.Length > 253 || !CorsOrigin().IsMatch(value) =>
                $"{shown} is not a valid CORS origin: use \"*\" or scheme://host[:port]",
            FieldFormat.ConfigKey when !NameRules.IsConfigKey(value) =>
                $"{shown} is not a valid key: use letters, digits, '-', '_' and '.'",
            FieldFormat.Endpoint when !NetRules.IsEndpoint(value) =>
                $"{shown} is not a valid endpoint: use host:port or an http(s) URL",
            _ => null,
        };
    }

    private static bool IsHostname(string value, bool allowWildcard)
    {
        var name = allowWildcard && value.StartsWith("*.", StringComparison.Ordinal) ? value[2..] : value;
        return value.Length <= 253 && NameRules.IsDnsSubdomain(name) && !NetRules.IsIpAddress(name);
    }

    private static bool IsBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out _);
    }

    [GeneratedRegex(@"^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,256}$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderName();

    [GeneratedRegex(@"^(([^:/?#]+):)(//([^/?#]*))([^?#]*)(\?([^#]*))?(#(.*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex AbsoluteUri();

    [GeneratedRegex(@"^(?:[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[A-Za-z0-9]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex ProtocolType();

    [GeneratedRegex(@"^(?:Hostname|IPAddress|NamedAddress|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex AddressType();

    [GeneratedRegex(@"^(?:\*|[a-zA-Z][a-zA-Z0-9+\-.]+://[^:/?#]+(:[0-9]{1,5})?)$", RegexOptions.CultureInvariant)]
    private static partial Regex CorsOrigin();
}
