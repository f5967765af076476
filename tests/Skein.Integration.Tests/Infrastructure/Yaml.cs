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

    /// <summary>A Service (80 → 8080) that opts into waypoint <paramref name="waypoint"/>, and that waypoint: class skein-waypoint, HBONE on 15008 at <paramref name="waypointAddress"/>.</summary>
    public static string ServiceWithWaypoint(string name, string ns, string app, string waypoint, string waypointAddress) => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: {ns}
          labels:
            skein.dev/use-waypoint: {waypoint}
        spec:
          selector:
            app: {app}
          ports:
          - name: http
            port: 80
            targetPort: 8080
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: {waypoint}
          namespace: {ns}
        spec:
          gatewayClassName: skein-waypoint
          addresses:
          - type: IPAddress
            value: "{waypointAddress}"
          listeners:
          - name: mesh
            port: 15008
            protocol: HBONE
        ---

        """;

    /// <summary>An L4 AuthorizationPolicy on the workloads labelled <c>app: <paramref name="app"/></c>: <paramref name="action"/> for callers with <paramref name="principal"/>.</summary>
    public static string AuthorizationPolicy(string name, string ns, string app, string action, string principal) =>
        AuthorizationPolicyFrom(name, ns, app, action, $"principals: [{principal}]");

    /// <summary>An L4 AuthorizationPolicy with one source clause, e.g. <c>ipBlocks: ["10.0.0.1/32"]</c>.</summary>
    public static string AuthorizationPolicyFrom(string name, string ns, string app, string action, string source) => $"""
        apiVersion: skein.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          selector:
            matchLabels:
              app: {app}
          action: {action}
          rules:
          - from:
            - source:
                {source}
        ---

        """;

    /// <summary>A PeerAuthentication setting the mTLS mode of the workloads labelled <c>app: <paramref name="app"/></c>.</summary>
    public static string PeerAuthentication(string name, string ns, string app, string mode) => $"""
        apiVersion: skein.dev/v1alpha1
        kind: PeerAuthentication
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          selector:
            matchLabels:
              app: {app}
          mtls:
            mode: {mode}
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
