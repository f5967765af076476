using System.Reflection;
using Skein.Cli.Demo;
using Skein.Core.Configuration;
using Skein.Core.Resources;

namespace Skein.Unit.Tests;

public sealed class DemoTopologyTests
{
    private static LoadResult EmbeddedConfig()
    {
        using var stream = typeof(DemoTopology).Assembly.GetManifestResourceStream("Skein.Cli.Demo.bookstore.yaml")!;
        using var reader = new StreamReader(stream);
        return ResourceLoader.LoadText(reader.ReadToEnd(), "bookstore.yaml");
    }

    [Fact]
    public void The_embedded_demo_config_is_valid()
    {
        var result = EmbeddedConfig();
        Assert.True(result.Ok, string.Join("\n", result.Errors));
    }

    [Fact]
    public void Every_demo_process_matches_a_workload_in_the_embedded_config()
    {
        var workloads = EmbeddedConfig().Resources.OfType<WorkloadResource>().ToDictionary(w => w.Metadata.Name);
        Assert.Equal(DemoTopology.Apps.Select(a => a.Workload).Append("loadgen").Order(), workloads.Keys.Order());
        Assert.Equal(DemoTopology.LoadGenerator.ToString(), workloads["loadgen"].Spec.Addresses.Single());
        foreach (var app in DemoTopology.Apps)
        {
            var w = workloads[app.Workload];
            Assert.Equal(app.Node, w.Spec.Node);
            Assert.Equal(app.Address.ToString(), w.Spec.Addresses.Single());
            Assert.Equal(app.App, w.Metadata.Labels["app"]);
            Assert.Equal(app.Version, w.Metadata.Labels["version"]);

            // Every localhost upstream the app is told about is one its Workload declares.
            foreach (var url in app.Upstreams.Select(u => new Uri(u.Split('=', 2)[1])).Where(u => u.Host.StartsWith("127.", StringComparison.Ordinal)))
            {
                Assert.Contains(w.Spec.Upstreams, u => u.LocalPort == url.Port);
            }
        }
    }

    [Fact]
    public void The_demo_gateway_is_a_skein_class_gateway_on_the_demo_gateway_address_routing_to_the_frontend()
    {
        var resources = EmbeddedConfig().Resources;
        var gateway = Assert.Single(resources.OfType<GatewayResource>());
        Assert.Equal((DemoTopology.GatewayName, "skein"), (gateway.Metadata.Name, gateway.Spec.GatewayClassName));
        Assert.Equal(DemoTopology.GatewayAddress.ToString(), Assert.Single(gateway.Spec.Addresses).Value);
        Assert.Contains(gateway.Spec.Listeners, l => l.Port == DemoTopology.GatewayUrl.Port && l.Protocol == "HTTP");
        var route = Assert.Single(resources.OfType<HTTPRouteResource>());
        Assert.Equal(DemoTopology.GatewayName, Assert.Single(route.Spec.ParentRefs).Name);
        Assert.Equal("frontend", Assert.Single(Assert.Single(route.Spec.Rules).BackendRefs).Name);
    }
}
