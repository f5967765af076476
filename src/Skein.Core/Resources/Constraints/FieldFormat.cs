namespace Skein.Core.Resources;

/// <summary>String formats the loader checks on the way in.</summary>
public enum FieldFormat
{
    /// <summary>RFC 1123 label: lowercase alphanumerics and '-', at most 63 characters.</summary>
    DnsLabel,

    /// <summary>RFC 1123 subdomain: dot-separated labels, at most 253 characters.</summary>
    DnsSubdomain,

    /// <summary>An IPv4 or IPv6 address literal.</summary>
    IpAddress,

    /// <summary>An IP address literal or a CIDR block.</summary>
    IpOrCidr,

    /// <summary>A Go-style duration such as "100ms", "5s" or "1h30m".</summary>
    Duration,

    /// <summary>A Gateway API duration (GEP-2257): up to four groups of 1-5 digits and h, m, s or ms.</summary>
    GatewayDuration,

    /// <summary>A DNS hostname that may start with a "*." wildcard label; IPs are not allowed.</summary>
    Hostname,

    /// <summary>A DNS hostname without wildcard; IPs are not allowed.</summary>
    PreciseHostname,

    /// <summary>An API group: empty (core) or a DNS subdomain.</summary>
    Group,

    /// <summary>A kind name: a letter followed by letters, digits and '-'.</summary>
    Kind,

    /// <summary>An HTTP header (or query parameter) name made of RFC 7230 token characters.</summary>
    HeaderName,

    /// <summary>A port number written as a string ("8080"), 1..65535.</summary>
    PortString,

    /// <summary>Standard base64 data.</summary>
    Base64,

    /// <summary>An absolute https:// URL.</summary>
    HttpsUrl,

    /// <summary>An absolute http:// or https:// URL.</summary>
    HttpUrl,

    /// <summary>An absolute URI with a scheme (e.g. spiffe://, https://).</summary>
    AbsoluteUri,

    /// <summary>A SPIFFE ID: spiffe://trust-domain/path.</summary>
    SpiffeId,

    /// <summary>A SPIFFE trust domain: lowercase letters, digits, '.', '-' and '_'.</summary>
    TrustDomain,

    /// <summary>A Kubernetes qualified name: optional DNS-subdomain prefix and '/', then a name of at most 63 characters.</summary>
    QualifiedName,

    /// <summary>A label value: empty, or at most 63 alphanumerics, '-', '_' and '.', starting and ending alphanumeric.</summary>
    LabelValue,

    /// <summary>A Gateway API listener protocol: a core name (HTTP, HTTPS, TLS, TCP, UDP, or another token) or a domain-prefixed path.</summary>
    ProtocolType,

    /// <summary>A Gateway API address type: IPAddress, Hostname, NamedAddress or a domain-prefixed path.</summary>
    AddressType,

    /// <summary>A CORS origin: "*" or scheme://host[:port], where host may contain '*'.</summary>
    CorsOrigin,

    /// <summary>A Secret or ConfigMap data key: alphanumerics, '-', '_' and '.'.</summary>
    ConfigKey,

    /// <summary>A host and port ("collector:4317") or an http(s) URL.</summary>
    Endpoint,
}
