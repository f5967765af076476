using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Unit.Tests.Gateway;

public sealed class StreamRouteTests
{
    [Fact]
    public void Tcp_and_tls_passthrough_listeners_carry_stream_routes_with_sni_hostnames()
    {
        var result = GatewayTestConfig.Compile("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: l4, namespace: infra}
            spec:
              gatewayClassName: skein
              listeners:
              - {name: tcp, port: 9000, protocol: TCP}
              - name: tls
                port: 8443
                protocol: TLS
                hostname: "*.example.com"
                tls: {mode: Passthrough}
            ---
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: TCPRoute
            metadata: {name: tcp, namespace: infra}
            spec:
              parentRefs: [{name: l4, sectionName: tcp}]
              rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: TLSRoute
            metadata: {name: tls, namespace: infra}
            spec:
              parentRefs: [{name: l4}]
              hostnames: [abc.example.com, other.org]
              rules: [{backendRefs: [{name: infra-backend-v2, port: 8080, weight: 3}]}]
            """);

        var listeners = result.Proto("infra", "l4").Listeners.ToDictionary(l => l.Name);
        Assert.Equal(SkeinProto.ListenerProtocol.Tcp, listeners["tcp"].Protocol);
        var tcp = listeners["tcp"].StreamRoutes.Single();
        Assert.Equal(("infra/tcp", "TCPRoute"), (tcp.Route, tcp.Kind));
        Assert.Equal("infra/infra-backend-v1.infra.svc.cluster.local", tcp.Backends.Single().Backend.Service);

        Assert.Equal(SkeinProto.ListenerProtocol.Tls, listeners["tls"].Protocol);
        var tls = listeners["tls"].StreamRoutes.Single();
        Assert.Equal(["abc.example.com"], tls.Hostnames);
        Assert.Equal(3u, tls.Backends.Single().Weight);

        // The TLSRoute found only the TLS listener (the TCP listener does not carry TLSRoutes).
        Assert.Equal(("True", "Accepted"), result.RouteStatus("TLSRoute", "infra", "tls").Parents.Single().Conditions.Of("Accepted"));
        Assert.Equal([1, 1], result.GatewayStatus("infra", "l4").Listeners.Select(l => l.AttachedRoutes));
    }

    [Fact]
    public void Https_listeners_carry_their_certificate_and_http_routes()
    {
        var result = GatewayTestConfig.Compile(GatewayTestConfig.TlsSecret("infra", "cert") + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: web, namespace: infra}
            spec:
              gatewayClassName: skein
              listeners:
              - name: https
                port: 443
                protocol: HTTPS
                hostname: secure.example.com
                tls: {certificateRefs: [{name: cert}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r, namespace: infra}
            spec:
              parentRefs: [{name: web}]
              rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
            """);

        var listener = result.Proto("infra", "web").Listeners.Single();
        Assert.Equal((SkeinProto.ListenerProtocol.Https, "secure.example.com"), (listener.Protocol, listener.Hostname));
        Assert.Equal("infra/cert", listener.Certificates.Single().Source);
        Assert.Contains("PRIVATE KEY", listener.Certificates.Single().PrivateKeyPem, StringComparison.Ordinal);
        Assert.Equal(["secure.example.com"], listener.HttpRoutes.Single().Hostnames);
    }
}
