using Google.Protobuf.WellKnownTypes;
using Skein.Control.Compiler;
using Skein.Core.Xds;
using Skein.Proxy;
using Skein.Proxy.Telemetry;
using Skein.Proxy.Xds;
using Proto = Skein.Core.Protos.Skein;
using XdsProto = Skein.Core.Protos.Envoy.Discovery;

namespace Skein.Unit.Tests.Telemetry;

public sealed class TelemetryConfigTests
{
    private const string Telemetries = """
        apiVersion: skein.dev/v1alpha1
        kind: Telemetry
        metadata:
          name: mesh-default
          namespace: skein-system
        spec:
          accessLogging:
          - format: JSON
            samplingPercentage: 10
        ---
        apiVersion: skein.dev/v1alpha1
        kind: Telemetry
        metadata:
          name: quiet
          namespace: shop
        spec:
          accessLogging:
          - disabled: true
        """;

    [Fact]
    public void Mesh_and_namespace_telemetry_compile_to_one_resource_per_scope()
    {
        var resources = TelemetryCompiler.Compile(TestConfig.Store(Telemetries).Current);
        Assert.Equal(["mesh", "shop"], resources.Keys.Order(StringComparer.Ordinal));
        var mesh = resources["mesh"].Body.Unpack<Proto.Telemetry>();
        Assert.Equal((Proto.Telemetry.Types.Format.Json, 10.0, true, ""), (mesh.Format, mesh.SamplingPercentage, mesh.StreamToControlPlane, mesh.Namespace));
        var shop = resources["shop"].Body.Unpack<Proto.Telemetry>();
        Assert.Equal((Proto.Telemetry.Types.Format.Off, false), (shop.Format, shop.StreamToControlPlane));
    }

    [Fact]
    public async Task Pushed_telemetry_overrides_the_command_line_default_per_namespace()
    {
        var settings = new AccessLogSettings(new ProxyOptions { Node = "n", ControlPlane = new Uri("https://127.0.0.1:15012"), RootCertFile = "", Token = "" });
        Assert.Equal(new AccessLogPolicy("text", 100, true), settings.For("shop"));

        var handler = new TelemetryHandler(settings);
        var resources = TelemetryCompiler.Compile(TestConfig.Store(Telemetries).Current)
            .Select(p => new XdsProto.Resource { Name = p.Key, Version = p.Value.Version, Resource_ = p.Value.Body }).ToList();
        await handler.ApplyAsync(resources, [], CancellationToken.None);
        Assert.Equal(new AccessLogPolicy("json", 10, true), settings.For("bookstore"));
        Assert.True(settings.For("shop").Disabled);

        await handler.ApplyAsync([], ["mesh", "shop"], CancellationToken.None);
        Assert.Equal(settings.Default, settings.For("shop"));
    }

    [Fact]
    public async Task A_selector_scoped_telemetry_applies_to_the_matching_workloads_before_their_namespace()
    {
        var yaml = TestConfig.Bookstore + "\n---\n" + Telemetries + """

            ---
            apiVersion: skein.dev/v1alpha1
            kind: Telemetry
            metadata:
              name: catalog-loud
              namespace: shop
            spec:
              selector:
                matchLabels:
                  app: catalog
              accessLogging:
              - format: TEXT
                samplingPercentage: 50
            """;
        var resources = TelemetryCompiler.Compile(TestConfig.Store(yaml).Current);
        Assert.Equal(["mesh", "shop", "shop/catalog-1"], resources.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("catalog-1", resources["shop/catalog-1"].Body.Unpack<Proto.Telemetry>().Workload);

        var settings = new AccessLogSettings(new ProxyOptions { Node = "n", ControlPlane = new Uri("https://127.0.0.1:15012"), RootCertFile = "", Token = "" });
        await new TelemetryHandler(settings).ApplyAsync(
            resources.Select(p => new XdsProto.Resource { Name = p.Key, Version = p.Value.Version, Resource_ = p.Value.Body }).ToList(), [], CancellationToken.None);
        Assert.Equal(new AccessLogPolicy("text", 50, true), settings.For("shop", "catalog-1"));
        Assert.True(settings.For("shop", "web-1").Disabled);
        Assert.Equal(new AccessLogPolicy("json", 10, true), settings.For("other", "catalog-1"));
    }

    [Fact]
    public async Task A_bad_telemetry_resource_is_rejected_and_changes_nothing()
    {
        var settings = new AccessLogSettings(new ProxyOptions { Node = "n", ControlPlane = new Uri("https://127.0.0.1:15012"), RootCertFile = "", Token = "" });
        var handler = new TelemetryHandler(settings);
        var bad = new XdsProto.Resource { Name = "mesh", Resource_ = Any.Pack(new Proto.Telemetry { SamplingPercentage = 150 }) };
        await Assert.ThrowsAsync<XdsRejectedException>(() => handler.ApplyAsync([bad], [], CancellationToken.None));
        Assert.Equal(settings.Default, settings.For(null));
        Assert.Equal(TypeUrls.Telemetry, handler.TypeUrl);
    }
}
