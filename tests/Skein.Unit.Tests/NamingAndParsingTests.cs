using System.Net;
using Skein.Core.Naming;
using Skein.Proxy.Capture;

namespace Skein.Unit.Tests;

public sealed class NamingAndParsingTests
{
    [Theory]
    [InlineData("catalog", "catalog", null)]
    [InlineData("catalog.shop", "catalog", "shop")]
    [InlineData("catalog.shop.svc", "catalog", "shop")]
    [InlineData("catalog.shop.svc.cluster.local", "catalog", "shop")]
    [InlineData("Catalog.Shop.svc.cluster.local.", "catalog", "shop")]
    public void Mesh_names_parse_in_every_kubernetes_form(string host, string service, string? ns)
    {
        Assert.True(MeshName.TryParse(host, out var name));
        Assert.Equal(new MeshName(service, ns), name);
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("::1")]
    [InlineData("www.example.com")]
    [InlineData("a.b.svc.other.domain")]
    [InlineData("")]
    public void Addresses_and_foreign_domains_are_not_mesh_names(string host) => Assert.False(MeshName.TryParse(host, out _));

    [Theory]
    [InlineData("echo.default:80", "echo.default", null, 80)]
    [InlineData("10.1.2.3:8080", null, "10.1.2.3", 8080)]
    [InlineData("[::1]:443", null, "::1", 443)]
    public void Connect_authorities_parse(string authority, string? host, string? ip, int port)
    {
        Assert.True(ProxyProtocolListener.TryParseAuthority(authority, out var d));
        Assert.Equal(host, d.Host);
        Assert.Equal(ip is null ? null : IPAddress.Parse(ip), d.Ip);
        Assert.Equal(port, d.Port);
    }

    [Theory]
    [InlineData("echo.default")]
    [InlineData("echo:0")]
    [InlineData("echo:99999")]
    [InlineData(":80")]
    public void Bad_connect_authorities_are_rejected(string authority) => Assert.False(ProxyProtocolListener.TryParseAuthority(authority, out _));
}
