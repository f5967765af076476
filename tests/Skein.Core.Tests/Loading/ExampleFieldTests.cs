using System.Text.Json.Nodes;
using Skein.Core.Configuration;
using Skein.Core.Resources;

namespace Skein.Core.Tests;

/// <summary>Each example binds into the right typed fields and shows up with the right JSON names and values.</summary>
public class ExampleFieldTests
{
    [Fact]
    public void Namespace()
    {
        var ns = Yaml.Example<NamespaceResource>("namespace.yaml");

        Assert.False(ns.IsNamespaced);
        Assert.Null(ns.Metadata.Namespace);
        Assert.Equal("Namespace/bookstore", ns.Key.ToString());
        Assert.Equal("bookstore-waypoint", Json(ns)["metadata"]!["labels"]!["skein.dev/use-waypoint"]!.GetValue<string>());
    }

    [Fact]
    public void Service()
    {
        var service = Yaml.Example<ServiceResource>("service.yaml");

        Assert.Equal("reviews", service.Spec.Selector!["app"]);
        Assert.Equal(8080, service.Spec.Ports[0].TargetPort!.Number);
        Assert.Equal("grpc-port", service.Spec.Ports[1].TargetPort!.Name);
        Assert.Equal(ServiceProtocol.TCP, service.Spec.Ports[1].Protocol);
        var json = Json(service);
        Assert.Equal(8080, json["spec"]!["ports"]![0]!["targetPort"]!.GetValue<int>());
        Assert.Equal("grpc-port", json["spec"]!["ports"]![1]!["targetPort"]!.GetValue<string>());
        Assert.Equal("10.96.0.20", json["spec"]!["clusterIP"]!.GetValue<string>());
        Assert.Equal("IPv4", json["spec"]!["ipFamilies"]![0]!.GetValue<string>());
    }

    [Fact]
    public void Secret()
    {
        var secret = Yaml.Example<SecretResource>("secret.yaml");

        Assert.Equal(SecretResource.TlsType, secret.Type);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", System.Text.Encoding.UTF8.GetString(secret.GetBytes("tls.crt")!));
        Assert.Equal("issued by the demo CA", System.Text.Encoding.UTF8.GetString(secret.GetBytes("note")!));
        Assert.Null(secret.GetBytes("absent"));
        var json = Json(secret);
        Assert.Equal("kubernetes.io/tls", json["type"]!.GetValue<string>());
        Assert.True(json["immutable"]!.GetValue<bool>());
        Assert.Null(json["spec"]);
    }

    [Fact]
    public void ConfigMap()
    {
        var configMap = Yaml.Example<ConfigMapResource>("configmap.yaml");

        Assert.Equal("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", configMap.Data["ca.crt"]);
        Assert.Equal("iVBORw0KGgo=", Json(configMap)["binaryData"]!["logo.png"]!.GetValue<string>());
    }

    [Fact]
    public void Workload()
    {
        var workload = Yaml.Example<WorkloadResource>("workload.yaml");

        Assert.Equal(["127.0.10.1", "fd00::10:1"], workload.Spec.Addresses);
        Assert.Equal("bookstore-reviews", workload.Spec.ServiceAccount);
        Assert.Equal("eu-west1-b", workload.Spec.Locality!.Zone);
        Assert.Equal(8080, workload.Spec.Ports!["http"]);
        Assert.Equal("details.catalog", workload.Spec.Upstreams[1].Service);
        Assert.Equal("v1", workload.Metadata.Labels["version"]);
        var json = Json(workload);
        Assert.Equal(19081, json["spec"]!["upstreams"]![1]!["localPort"]!.GetValue<int>());
        Assert.Equal("127.0.10.1", json["spec"]!["upstreams"]![1]!["bindAddress"]!.GetValue<string>());
        Assert.Null(json["spec"]!["upstreams"]![0]!["bindAddress"]);
    }

    [Fact]
    public void WorkloadDefaults()
    {
        var workload = Yaml.Single<WorkloadResource>("""
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata: {name: w}
            spec: {addresses: [10.0.0.1], node: n}
            """);

        Assert.Equal("default", workload.Spec.ServiceAccount);
        Assert.Equal("default", workload.Metadata.Namespace);
        Assert.Null(workload.Spec.Ports);
        Assert.Empty(workload.Spec.Upstreams);
    }

    [Fact]
    public void AuthorizationPolicy()
    {
        var policy = Yaml.Example<AuthorizationPolicyResource>("authorizationpolicy.yaml");

        var rule = Assert.Single(policy.Spec.Rules);
        Assert.Equal(AuthorizationAction.Allow, policy.Spec.Action);
        Assert.Equal(["127.0.0.0/8", "10.1.2.3"], rule.From[0].Source.IpBlocks);
        Assert.Equal(["9080"], rule.To[0].Operation.Ports);
        Assert.Equal("request.headers[x-tenant]", rule.When[0].Key);
        var json = Json(policy);
        Assert.Equal("ALLOW", json["spec"]!["action"]!.GetValue<string>());
        Assert.Equal("evil", json["spec"]!["rules"]![0]!["when"]![0]!["notValues"]![0]!.GetValue<string>());
    }

    [Fact]
    public void PeerAuthentication()
    {
        var policy = Yaml.Example<PeerAuthenticationResource>("peerauthentication.yaml");

        Assert.Equal(MtlsMode.Strict, policy.Spec.Mtls!.Mode);
        Assert.Equal(MtlsMode.Disable, policy.Spec.PortLevelMtls!["9100"].Mode);
        Assert.Equal("DISABLE", Json(policy)["spec"]!["portLevelMtls"]!["9100"]!["mode"]!.GetValue<string>());
    }

    [Fact]
    public void TrafficPolicy()
    {
        var policy = Yaml.Example<TrafficPolicyResource>("trafficpolicy.yaml");
        var spec = policy.Spec;

        Assert.Equal(LoadBalancerType.LeastRequest, spec.LoadBalancer!.Type);
        Assert.True(spec.LoadBalancer.LocalityPreference);
        Assert.Equal(TimeSpan.FromSeconds(2), Duration.Parse(spec.ConnectionPool!.ConnectTimeout!));
        Assert.Equal(TimeSpan.FromMinutes(90), Duration.Parse(spec.Timeouts!.Idle!));
        Assert.Equal(50.5, spec.RateLimit!.RequestsPerSecond);
        Assert.Equal(0.5, spec.Faults!.Abort!.Percentage);
        Assert.Equal(["5xx", "connect-failure", "503"], spec.Retries!.RetryOn);
        var json = Json(policy);
        Assert.Equal("LEAST_REQUEST", json["spec"]!["loadBalancer"]!["type"]!.GetValue<string>());
        Assert.Equal(5, json["spec"]!["outlierDetection"]!["consecutive5xxErrors"]!.GetValue<int>());
        Assert.Equal(503, json["spec"]!["faults"]!["abort"]!["httpStatus"]!.GetValue<int>());
    }

    [Fact]
    public void TrafficPolicyDefaultLoadBalancerIsP2cEwma()
    {
        var policy = Yaml.Single<TrafficPolicyResource>("""
            apiVersion: skein.dev/v1alpha1
            kind: TrafficPolicy
            metadata: {name: t}
            spec:
              targetRefs: [{kind: Service, name: reviews}]
              loadBalancer: {}
            """);

        Assert.Equal(LoadBalancerType.P2cEwma, policy.Spec.LoadBalancer!.Type);
        Assert.Equal("P2C_EWMA", Json(policy)["spec"]!["loadBalancer"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void MeshFederation()
    {
        var federation = Yaml.Example<MeshFederationResource>("meshfederation.yaml");

        Assert.Equal(BundleEndpointProfile.HttpsSpiffe, federation.Spec.BundleEndpointProfile);
        Assert.Equal(15008, federation.Spec.NetworkGateway!.Port);
        var json = Json(federation);
        Assert.Equal("https_spiffe", json["spec"]!["bundleEndpointProfile"]!.GetValue<string>());
        Assert.Equal("https://east.example.org:8443/bundle", json["spec"]!["bundleEndpointURL"]!.GetValue<string>());
        Assert.Equal("spiffe://east.example.org/skein/bundle-server", json["spec"]!["endpointSPIFFEID"]!.GetValue<string>());
    }

    [Fact]
    public void Telemetry()
    {
        var telemetry = Yaml.Example<TelemetryResource>("telemetry.yaml");

        Assert.Equal(AccessLogFormat.Json, telemetry.Spec.AccessLogging[0].Format);
        Assert.Equal(1.5, telemetry.Spec.Tracing[0].SamplingPercentage);
        Assert.Equal("JSON", Json(telemetry)["spec"]!["accessLogging"]![0]!["format"]!.GetValue<string>());
    }

    [Fact]
    public void GatewayClass()
    {
        var gatewayClass = Yaml.Example<GatewayClassResource>("gatewayclass.yaml");

        Assert.False(gatewayClass.IsNamespaced);
        Assert.Equal("skein.dev/gateway-controller", gatewayClass.Spec.ControllerName);
        var condition = Assert.Single(gatewayClass.Status!.Conditions);
        Assert.Equal(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), condition.LastTransitionTime);
        Assert.Equal(1, condition.ObservedGeneration);
        Assert.Equal("True", Json(gatewayClass)["status"]!["conditions"]![0]!["status"]!.GetValue<string>());
    }

    [Fact]
    public void Gateway()
    {
        var gateway = Yaml.Example<GatewayResource>("gateway.yaml");
        var spec = gateway.Spec;

        Assert.Equal(4, spec.Listeners.Count);
        Assert.Equal("*.bookstore.example", spec.Listeners[0].Hostname);
        Assert.Equal(FromNamespaces.Selector, spec.Listeners[0].AllowedRoutes!.Namespaces!.From);
        Assert.Equal(LabelSelectorOperator.In, spec.Listeners[0].AllowedRoutes!.Namespaces!.Selector!.MatchExpressions[0].Operator);
        Assert.Equal(ApiVersions.GatewayGroup, spec.Listeners[0].AllowedRoutes!.Kinds[0].Group);
        Assert.Equal(TLSModeType.Passthrough, spec.Listeners[2].Tls!.Mode);
        Assert.Equal("Secret", spec.Listeners[1].Tls!.CertificateRefs[0].Kind);
        Assert.Equal("", spec.Listeners[1].Tls!.CertificateRefs[0].Group);
        Assert.Equal(FrontendValidationMode.AllowInsecureFallback, spec.Tls!.Frontend!.Default.Validation!.Mode);
        Assert.Equal("gateway-client-cert", spec.Tls.Backend!.ClientCertificateRef!.Name);
        Assert.Equal(2, gateway.Status!.Listeners[0].AttachedRoutes);
        var json = Json(gateway);
        Assert.Equal("1.3", json["spec"]!["listeners"]![1]!["tls"]!["options"]!["skein.dev/min-version"]!.GetValue<string>());
        Assert.Equal(8443, json["spec"]!["tls"]!["frontend"]!["perPort"]![0]!["port"]!.GetValue<int>());
    }

    [Fact]
    public void HTTPRoute()
    {
        var route = Yaml.Example<HTTPRouteResource>("httproute.yaml");
        var rule = route.Spec.Rules[0];

        Assert.Equal("Gateway", route.Spec.ParentRefs[0].Kind);
        Assert.Equal(ApiVersions.GatewayGroup, route.Spec.ParentRefs[0].Group);
        Assert.Equal("", route.Spec.ParentRefs[1].Group);
        Assert.Equal("Service", route.Spec.ParentRefs[1].Kind);
        Assert.Equal(HTTPMethod.Get, rule.Matches[0].Method);
        Assert.Equal(HeaderMatchType.RegularExpression, rule.Matches[0].Headers[1].Type);
        Assert.Equal(HTTPRouteFilterType.CORS, rule.Filters[3].Type);
        Assert.True(rule.Filters[3].Cors!.AllowCredentials);
        Assert.Equal(10, rule.Filters[2].RequestMirror!.Fraction!.Denominator);
        Assert.Equal(90, rule.BackendRefs[0].Weight);
        Assert.Equal("x-backend", rule.BackendRefs[0].Filters[0].RequestHeaderModifier!.Set[0].Name);
        Assert.Equal([500, 503], rule.Retry!.Codes);
        Assert.Equal(CookieLifetimeType.Permanent, rule.SessionPersistence!.CookieConfig!.LifetimeType);
        Assert.Equal(301, route.Spec.Rules[1].Filters[0].RequestRedirect!.StatusCode);
        Assert.Equal(HTTPPathModifierType.ReplacePrefixMatch, route.Spec.Rules[2].Filters[0].UrlRewrite!.Path!.Type);
        Assert.Equal(1, route.Spec.Rules[2].BackendRefs[0].Weight);
        var json = Json(route);
        Assert.Equal("URLRewrite", json["spec"]!["rules"]![2]!["filters"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("/", json["spec"]!["rules"]![2]!["filters"]![0]!["urlRewrite"]!["path"]!["replacePrefixMatch"]!.GetValue<string>());
        Assert.Equal("GET", json["spec"]!["rules"]![0]!["matches"]![0]!["method"]!.GetValue<string>());
        Assert.Equal("2s", json["spec"]!["rules"]![0]!["timeouts"]!["backendRequest"]!.GetValue<string>());
    }

    [Fact]
    public void HTTPRouteDefaults()
    {
        var route = Yaml.Single<HTTPRouteResource>("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              rules:
              - matches:
                - path: {}
                  headers: [{name: a, value: b}]
                filters:
                - type: RequestRedirect
                  requestRedirect: {}
            """);

        var match = route.Spec.Rules[0].Matches[0];
        Assert.Equal(PathMatchType.PathPrefix, match.Path!.Type);
        Assert.Equal("/", match.Path.Value);
        Assert.Equal(HeaderMatchType.Exact, match.Headers[0].Type);
        Assert.Equal(302, route.Spec.Rules[0].Filters[0].RequestRedirect!.StatusCode);
    }

    [Fact]
    public void GRPCRoute()
    {
        var route = Yaml.Example<GRPCRouteResource>("grpcroute.yaml");
        var rule = route.Spec.Rules[0];

        Assert.Equal("bookstore.Ratings", rule.Matches[0].Method!.Service);
        Assert.Equal(GRPCMethodMatchType.RegularExpression, rule.Matches[1].Method!.Type);
        Assert.Equal(5, rule.Filters[1].RequestMirror!.Percent);
        Assert.Equal(GRPCRouteFilterType.ResponseHeaderModifier, rule.BackendRefs[0].Filters[0].Type);
        Assert.Equal("bookstore\\..*", Json(route)["spec"]!["rules"]![0]!["matches"]![1]!["method"]!["service"]!.GetValue<string>());
    }

    [Fact]
    public void TCPRoute()
    {
        var route = Yaml.Example<TCPRouteResource>("tcproute.yaml");

        Assert.Equal(ApiVersions.GatewayV1Alpha2, route.ApiVersion);
        Assert.Equal(5432, route.Spec.Rules[0].BackendRefs[0].Port);
        Assert.Equal("tcp", Json(route)["spec"]!["parentRefs"]![0]!["sectionName"]!.GetValue<string>());
    }

    [Fact]
    public void TLSRoute()
    {
        var route = Yaml.Example<TLSRouteResource>("tlsroute.yaml");

        Assert.Equal(["secure.bookstore.example"], route.Spec.Hostnames);
        Assert.Equal("secure-books", Json(route)["spec"]!["rules"]![0]!["backendRefs"]![0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void ReferenceGrant()
    {
        var grant = Yaml.Example<ReferenceGrantResource>("referencegrant.yaml");

        Assert.Equal(ApiVersions.GatewayV1Beta1, grant.ApiVersion);
        Assert.Equal("bookstore", grant.Spec.From[0].Namespace);
        Assert.Null(grant.Spec.To[1].Name);
        Assert.Equal("", grant.Spec.To[1].Group);
        Assert.Equal("reviews-v3", Json(grant)["spec"]!["to"]![0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void BackendTLSPolicy()
    {
        var policy = Yaml.Example<BackendTLSPolicyResource>("backendtlspolicy.yaml");

        Assert.Equal("http", policy.Spec.TargetRefs[0].SectionName);
        Assert.Equal(SubjectAltNameType.URI, policy.Spec.Validation.SubjectAltNames[1].Type);
        Assert.Equal("bookstore-gateway", policy.Status!.Ancestors[0].AncestorRef.Name);
        var json = Json(policy);
        Assert.Equal("reviews.bookstore.svc", json["spec"]!["validation"]!["hostname"]!.GetValue<string>());
        Assert.Equal("spiffe://cluster.local/ns/bookstore/sa/reviews", json["spec"]!["validation"]!["subjectAltNames"]![1]!["uri"]!.GetValue<string>());
    }

    [Fact]
    public void ListenerSet()
    {
        var listenerSet = Yaml.Example<ListenerSetResource>("listenerset.yaml");

        Assert.Equal("infra", listenerSet.Spec.ParentRef.Namespace);
        Assert.Equal("shared-gateway", listenerSet.Spec.ParentRef.Name);
        Assert.Equal(FromNamespaces.Same, listenerSet.Spec.Listeners[0].AllowedRoutes!.Namespaces!.From);
        Assert.Equal("team-a-cert", listenerSet.Spec.Listeners[1].Tls!.CertificateRefs[0].Name);
        Assert.Equal(1, listenerSet.Status!.Listeners[0].AttachedRoutes);
        var json = Json(listenerSet);
        Assert.Equal("Gateway", json["spec"]!["parentRef"]!["kind"]!.GetValue<string>());
        Assert.Equal("team-a.example.com", json["spec"]!["listeners"]![1]!["hostname"]!.GetValue<string>());
    }

    private static JsonObject Json(Resource resource) => ResourceJson.ToNode(resource);
}
