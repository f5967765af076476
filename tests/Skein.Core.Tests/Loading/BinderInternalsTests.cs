using Skein.Core.Configuration;
using Skein.Core.Resources;

namespace Skein.Core.Tests;

/// <summary>Small building blocks of the loader: suggestions, network and name syntax, format messages.</summary>
public class BinderInternalsTests
{
    [Theory]
    [InlineData("tragetPort", "targetPort")]
    [InlineData("port", "port")]
    [InlineData("Port", "port")]
    [InlineData("prot", "port")]
    [InlineData("completelyDifferent", null)]
    public void SuggestsWithinTwoEdits(string input, string? expected)
    {
        Assert.Equal(expected, Suggestions.Closest(input, ["name", "port", "targetPort", "protocol"]));
    }

    [Theory]
    [InlineData("10.0.0.1", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("::1", true)]
    [InlineData("fd00::10:1", true)]
    [InlineData("10.0.0.256", false)]
    [InlineData("10.1", false)]
    [InlineData("1", false)]
    [InlineData("010.0.0.1", false)]
    [InlineData("fe80::1%eth0", false)]
    [InlineData("[::1]", false)]
    [InlineData("example.com", false)]
    public void IpAddressesAreStrict(string value, bool valid)
    {
        Assert.Equal(valid, NetRules.IsIpAddress(value));
    }

    [Theory]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("10.1.2.3/32", true)]
    [InlineData("fd00::/64", true)]
    [InlineData("10.0.0.0/33", false)]
    [InlineData("fd00::/129", false)]
    [InlineData("10.0.0.0/", false)]
    [InlineData("10.0.0.0/x", false)]
    public void CidrBlocks(string value, bool valid)
    {
        Assert.Equal(valid, NetRules.IsCidr(value));
    }

    [Theory]
    [InlineData("collector:4317", true)]
    [InlineData("10.0.0.1:4317", true)]
    [InlineData("[::1]:4317", true)]
    [InlineData("https://otel.example/v1/traces", true)]
    [InlineData("collector", false)]
    [InlineData("collector:0", false)]
    [InlineData("ftp://x", false)]
    public void Endpoints(string value, bool valid)
    {
        Assert.Equal(valid, NetRules.IsEndpoint(value));
    }

    [Theory]
    [InlineData("spiffe://example.org", true)]
    [InlineData("spiffe://example.org/ns/default/sa/web", true)]
    [InlineData("spiffe://Example.org/x", false)]
    [InlineData("spiffe://example.org/", false)]
    [InlineData("spiffe://example.org/a//b", false)]
    [InlineData("spiffe://example.org/a/../b", false)]
    [InlineData("https://example.org/x", false)]
    public void SpiffeIds(string value, bool valid)
    {
        Assert.Equal(valid, SpiffeRules.IsSpiffeId(value));
    }

    [Theory]
    [InlineData("app", true)]
    [InlineData("skein.dev/use-waypoint", true)]
    [InlineData("app.kubernetes.io/name", true)]
    [InlineData("a_b.c-d", true)]
    [InlineData("-app", false)]
    [InlineData("Skein.dev/x", false)]
    [InlineData("skein.dev/", false)]
    [InlineData("a/b/c", false)]
    public void QualifiedNames(string value, bool valid)
    {
        Assert.Equal(valid, NameRules.IsQualifiedName(value));
    }

    [Theory]
    [InlineData("http", true)]
    [InlineData("grpc-web", true)]
    [InlineData("8080", false)]
    [InlineData("a--b", false)]
    [InlineData("very-long-port-name", false)]
    public void PortNames(string value, bool valid)
    {
        Assert.Equal(valid, NameRules.IsPortName(value));
    }

    [Theory]
    [InlineData(FieldFormat.ProtocolType, "HTTP", true)]
    [InlineData(FieldFormat.ProtocolType, "INVALID", true)]
    [InlineData(FieldFormat.ProtocolType, "example.com/custom", true)]
    [InlineData(FieldFormat.ProtocolType, "example.com", false)]
    [InlineData(FieldFormat.AddressType, "IPAddress", true)]
    [InlineData(FieldFormat.AddressType, "test/fake-invalid-type", true)]
    [InlineData(FieldFormat.AddressType, "Bogus", false)]
    [InlineData(FieldFormat.CorsOrigin, "*", true)]
    [InlineData(FieldFormat.CorsOrigin, "https://*.example.com:8443", true)]
    [InlineData(FieldFormat.CorsOrigin, "example.com", false)]
    [InlineData(FieldFormat.Group, "", true)]
    [InlineData(FieldFormat.Group, "gateway.networking.k8s.io", true)]
    [InlineData(FieldFormat.Group, "example.com/bar", false)]
    [InlineData(FieldFormat.Kind, "HTTPRoute", true)]
    [InlineData(FieldFormat.Kind, "invalid/kind", false)]
    [InlineData(FieldFormat.Base64, "aGVsbG8=", true)]
    [InlineData(FieldFormat.Base64, "not base64!", false)]
    [InlineData(FieldFormat.HttpsUrl, "https://example.org/bundle", true)]
    [InlineData(FieldFormat.HttpsUrl, "https:/example.org", false)]
    public void Formats(FieldFormat format, string value, bool valid)
    {
        Assert.Equal(valid, FormatRules.Check(format, value) is null);
    }
}
