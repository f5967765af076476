using Microsoft.Extensions.Logging.Abstractions;
using Skein.Control.Store;
using Skein.Core.Configuration;

namespace Skein.Unit.Tests;

/// <summary>Builds stores and snapshots from YAML for compiler and resolver tests.</summary>
internal static class TestConfig
{
    public static ConfigStore Store(string yaml, string file = "test.yaml")
    {
        var store = new ConfigStore(NullLogger<ConfigStore>.Instance);
        var result = ResourceLoader.LoadText(yaml, file);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        store.Apply(file, result);
        store.MarkInitialized();
        return store;
    }

    public const string Bookstore = """
        apiVersion: v1
        kind: Service
        metadata:
          name: catalog
          namespace: shop
        spec:
          selector:
            app: catalog
          ports:
          - name: http
            port: 80
            targetPort: http
          - name: admin
            port: 9000
        ---
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata:
          name: catalog-1
          namespace: shop
          labels:
            app: catalog
            version: v2
        spec:
          node: node-b
          addresses: [10.0.0.5]
          serviceAccount: catalog
          ports:
            http: 8080
        ---
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata:
          name: web-1
          namespace: shop
          labels:
            app: web
        spec:
          node: node-a
          addresses: [127.0.10.2]
          upstreams:
          - service: catalog
            port: 80
            localPort: 9101
          - service: other.elsewhere
            port: 80
            localPort: 9102
            bindAddress: 127.0.0.1
        """;
}
