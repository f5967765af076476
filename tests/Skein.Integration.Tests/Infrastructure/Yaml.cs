using System.Net;

namespace Skein.Integration.Tests.Infrastructure;

/// <summary>Small builders for the resource YAML the tests write into a control plane's config directory.</summary>
public static class Yaml
{
    public static string Service(string name, string ns, int port, int targetPort, string app) => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          selector:
            app: {app}
          ports:
          - name: http
            port: {port}
            targetPort: {targetPort}
        ---

        """;

    public static string Workload(string name, string ns, string node, IPAddress address, string app, params (string Service, int Port, int LocalPort)[] upstreams) =>
        Workload(name, ns, node, address, app, "default", upstreams);

    public static string Workload(string name, string ns, string node, IPAddress address, string app, string serviceAccount, params (string Service, int Port, int LocalPort)[] upstreams)
    {
        var text = $"""
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata:
              name: {name}
              namespace: {ns}
              labels:
                app: {app}
            spec:
              node: {node}
              serviceAccount: {serviceAccount}
              addresses: [{address}]

            """;
        if (upstreams.Length > 0)
        {
            text += "  upstreams:\n";
            foreach (var (service, port, localPort) in upstreams)
            {
                text += $"  - service: {service}\n    port: {port}\n    localPort: {localPort}\n";
            }
        }

        return text + "---\n";
    }
}
