using Skein.Core.Resources;

namespace Skein.Core.Tests;

public class ResourceModelTests
{
    [Fact]
    public void IntOrStringHoldsEitherForm()
    {
        IntOrString number = 8080;
        IntOrString name = "http";

        Assert.Equal(8080, number.Number);
        Assert.Null(number.Name);
        Assert.True(number.IsNumber);
        Assert.Equal("http", name.Name);
        Assert.Null(name.Number);
        Assert.Equal("8080", number.ToString());
        Assert.Equal(new IntOrString(8080), number);
        Assert.NotEqual(new IntOrString("8080"), number);
    }

    [Fact]
    public void ResourceKeyFormatsWithAndWithoutNamespace()
    {
        Assert.Equal("Service/shop/web", new ResourceKey("Service", "shop", "web").ToString());
        Assert.Equal("Namespace/shop", new ResourceKey("Namespace", "", "shop").ToString());
    }

    [Fact]
    public void KeyOfANamespacedResourceWithoutNamespaceUsesDefault()
    {
        var service = new ServiceResource { Metadata = { Name = "web" } };

        Assert.Equal(new ResourceKey("Service", "default", "web"), service.Key);
    }

    [Fact]
    public void KeyOfAClusterScopedResourceIgnoresNamespace()
    {
        var ns = new NamespaceResource { Metadata = { Name = "shop", Namespace = "ignored" } };

        Assert.Equal(new ResourceKey("Namespace", "", "shop"), ns.Key);
    }

    [Fact]
    public void MetadataCollectionsAreNeverNull()
    {
        var meta = new ObjectMeta { Labels = null!, Annotations = null! };

        Assert.Empty(meta.Labels);
        Assert.Empty(meta.Annotations);
    }

    [Fact]
    public void RegistryMatchesInstances()
    {
        foreach (var info in ResourceKinds.All)
        {
            var instance = info.Create();
            Assert.Equal(info.Kind, instance.Kind);
            Assert.Equal(info.PreferredApiVersion, instance.ApiVersion);
            Assert.Equal(info.IsNamespaced, instance.IsNamespaced);
            Assert.Same(info, ResourceKinds.Find(info.Kind));
            Assert.Same(info, ResourceKinds.Find(info.ClrType));
            Assert.EndsWith("Resource", info.ClrType.Name);
            Assert.Equal(info.Kind + "Resource", info.ClrType.Name);
        }

        Assert.Null(ResourceKinds.Find("Deployment"));
        Assert.Equal(19, ResourceKinds.All.Count);
    }

    [Theory]
    [InlineData("Namespace", "v1")]
    [InlineData("Workload", "skein.dev/v1alpha1")]
    [InlineData("HTTPRoute", "gateway.networking.k8s.io/v1beta1")]
    [InlineData("GRPCRoute", "gateway.networking.k8s.io/v1alpha2")]
    [InlineData("TCPRoute", "gateway.networking.k8s.io/v1alpha2")]
    [InlineData("TLSRoute", "gateway.networking.k8s.io/v1alpha3")]
    [InlineData("TLSRoute", "gateway.networking.k8s.io/v1")]
    [InlineData("ReferenceGrant", "gateway.networking.k8s.io/v1beta1")]
    [InlineData("ReferenceGrant", "gateway.networking.k8s.io/v1")]
    [InlineData("BackendTLSPolicy", "gateway.networking.k8s.io/v1alpha3")]
    public void KindsAcceptTheVersionsUpstreamPublishes(string kind, string apiVersion)
    {
        Assert.Contains(apiVersion, ResourceKinds.Find(kind)!.ApiVersions);
    }

    [Fact]
    public void OlderApiVersionIsKeptOnTheLoadedObject()
    {
        var route = Yaml.Single<HTTPRouteResource>("apiVersion: gateway.networking.k8s.io/v1beta1\nkind: HTTPRoute\nmetadata: {name: r}\nspec: {}\n");

        Assert.Equal(ApiVersions.GatewayV1Beta1, route.ApiVersion);
    }
}
