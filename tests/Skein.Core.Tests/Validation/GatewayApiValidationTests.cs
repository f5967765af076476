namespace Skein.Core.Tests;

/// <summary>Gateway API rules taken from the upstream CRDs (enums, patterns and CEL validations).</summary>
public class GatewayApiValidationTests
{
    [Fact]
    public void GatewayListenersMustBeDistinctAndTlsMatchTheProtocol()
    {
        Yaml.AssertErrors(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: g}
            spec:
              gatewayClassName: skein
              listeners:
              - {name: web, port: 80, protocol: HTTP, tls: {certificateRefs: [{name: c}]}}
              - {name: web, port: 80, protocol: HTTP}
              - {name: tls, port: 443, protocol: HTTPS, tls: {mode: Passthrough}}
              - {name: tcp, port: 5432, protocol: TCP, hostname: db.example}
              - {name: odd, port: 1, protocol: "bad protocol", allowedRoutes: {namespaces: {from: None}}}
              - {name: sel, port: 2, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector}}}
              - {name: term, port: 3, protocol: TLS, tls: {}}
            """,
            "bad.yaml:7:48: spec.listeners[0].tls: must not be set for protocol HTTP",
            "bad.yaml:8:5: spec.listeners[1]: port, protocol and hostname are the same as spec.listeners[0]",
            "bad.yaml:8:12: spec.listeners[1].name: duplicate listener name \"web\" (also spec.listeners[0])",
            "bad.yaml:9:57: spec.listeners[2].tls.mode: must be Terminate for protocol HTTPS",
            "bad.yaml:10:54: spec.listeners[3].hostname: must not be set for protocol TCP",
            "bad.yaml:11:36: spec.listeners[4].protocol: \"bad protocol\" is not a valid protocol: use HTTP, HTTPS, TLS, TCP, UDP or a domain-prefixed name such as example.com/proto",
            "bad.yaml:11:87: spec.listeners[4].allowedRoutes.namespaces.from: invalid value \"None\": must be one of All, Selector, Same",
            "bad.yaml:12:70: spec.listeners[5].allowedRoutes.namespaces.selector: required when from is Selector",
            "bad.yaml:13:47: spec.listeners[6].tls.certificateRefs: certificateRefs or options must be set when mode is Terminate");
    }

    [Fact]
    public void ListenerSetNeedsAGatewayParentAndValidListeners()
    {
        Yaml.AssertErrors(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: ls, namespace: apps}
            spec:
              parentRef: {group: example.com, kind: Service, name: gw}
              listeners:
              - {name: web, port: 80, protocol: HTTP}
              - {name: web, port: 81, protocol: TCP, hostname: db.example}
            """,
            "bad.yaml:5:22: spec.parentRef.group: invalid value \"example.com\": must be gateway.networking.k8s.io",
            "bad.yaml:5:41: spec.parentRef.kind: invalid value \"Service\": must be Gateway",
            "bad.yaml:8:12: spec.listeners[1].name: duplicate listener name \"web\" (also spec.listeners[0])",
            "bad.yaml:8:52: spec.listeners[1].hostname: must not be set for protocol TCP");
        Yaml.AssertErrors(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: ls}
            spec:
              listeners: []
            """,
            "bad.yaml:5:3: spec.parentRef: required field is missing",
            "bad.yaml:5:14: spec.listeners: must have at least 1 item");
    }

    [Fact]
    public void GatewayNeedsListenersAndAClass()
    {
        Yaml.AssertErrors(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: g}
            spec:
              listeners: []
            """,
            "bad.yaml:5:3: spec.gatewayClassName: required field is missing",
            "bad.yaml:5:14: spec.listeners: must have at least 1 item");
    }

    [Fact]
    public void GatewayAddressesAreCheckedWhenTyped()
    {
        Yaml.AssertErrors(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: g}
            spec:
              gatewayClassName: skein
              listeners: [{name: http, port: 80, protocol: HTTP}]
              addresses:
              - {type: IPAddress, value: 10.0.0.999}
              - {type: Hostname, value: "*.Example"}
              - {value: PLACEHOLDER}
              - {type: example.com/custom, value: "anything goes"}
              - {type: IPAddress, value: 10.0.0.1}
              - {type: IPAddress, value: 10.0.0.1}
            """,
            "bad.yaml:8:30: spec.addresses[0].value: \"10.0.0.999\" is not a valid IP address",
            "bad.yaml:9:29: spec.addresses[1].value: \"*.Example\" is not a valid hostname: use lowercase DNS labels, optionally starting with \"*.\" (IP addresses are not allowed)",
            "bad.yaml:13:30: spec.addresses[5].value: duplicate address \"10.0.0.1\" (also spec.addresses[4])");
    }

    [Fact]
    public void HttpRoutePathsAndMatches()
    {
        Yaml.AssertErrors(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              hostnames: ["10.0.0.1", "*.ok.example", "a.*.example"]
              rules:
              - matches:
                - path: {type: Exact, value: "foo"}
                - path: {type: PathPrefix, value: "/a//b"}
                - path: {type: Prefix, value: "/"}
                - path: {type: RegularExpression, value: "/(unclosed"}
                - headers: [{name: x, value: a}, {name: x, value: b}]
                  method: FETCH
                - queryParams: [{name: "bad name", value: v}]
            """,
            "bad.yaml:5:15: spec.hostnames[0]: \"10.0.0.1\" is not a valid hostname: use lowercase DNS labels, optionally starting with \"*.\" (IP addresses are not allowed)",
            "bad.yaml:5:43: spec.hostnames[2]: \"a.*.example\" is not a valid hostname: use lowercase DNS labels, optionally starting with \"*.\" (IP addresses are not allowed)",
            "bad.yaml:10:20: spec.rules[0].matches[2].path.type: invalid value \"Prefix\": must be one of Exact, PathPrefix, RegularExpression",
            "bad.yaml:13:15: spec.rules[0].matches[4].method: invalid value \"FETCH\": must be one of GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH (did you mean \"PATCH\"?)",
            "bad.yaml:14:28: spec.rules[0].matches[5].queryParams[0].name: \"bad name\" is not a valid header name");
    }

    [Fact]
    public void HttpRoutePathSyntaxAndDuplicateHeaderMatches()
    {
        var errors = Yaml.Errors("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              rules:
              - matches:
                - path: {type: Exact, value: "foo"}
                - path: {type: PathPrefix, value: "/a//b"}
                - path: {type: RegularExpression, value: "/(unclosed"}
                - headers: [{name: x, value: a}, {name: x, value: b}]
            """);

        Assert.Equal("bad.yaml:7:34: spec.rules[0].matches[0].path.value: must be an absolute path starting with '/'", errors[0]);
        Assert.Equal("bad.yaml:8:39: spec.rules[0].matches[1].path.value: must not contain '//'", errors[1]);
        Assert.StartsWith("bad.yaml:9:46: spec.rules[0].matches[2].path.value: invalid regular expression: ", errors[2]);
        Assert.Equal("bad.yaml:10:45: spec.rules[0].matches[3].headers[1].name: duplicate name \"x\" (also spec.rules[0].matches[3].headers[0])", errors[3]);
        Assert.Equal(4, errors.Length);
    }

    [Fact]
    public void HttpRouteFilterUnionsAndCombinations()
    {
        Yaml.AssertErrors(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              rules:
              - matches: [{path: {type: Exact, value: /x}}]
                filters:
                - type: RequestHeaderModifier
                  responseHeaderModifier: {remove: [a]}
                - type: RequestRedirect
                  requestRedirect: {statusCode: 305, path: {type: ReplacePrefixMatch, replaceFullPath: /y}}
                - type: URLRewrite
                  urlRewrite: {hostname: ok.example}
                - type: RequestRedirect
                  requestRedirect: {scheme: ftp}
                backendRefs:
                - name: svc
            """,
            "bad.yaml:8:5: spec.rules[0].filters: the RequestRedirect filter cannot be repeated",
            "bad.yaml:8:5: spec.rules[0].filters: RequestRedirect and URLRewrite filters cannot be combined",
            "bad.yaml:8:5: spec.rules[0].filters: a RequestRedirect filter must not be used together with backendRefs",
            "bad.yaml:8:7: spec.rules[0].filters[0].requestHeaderModifier: required when type is RequestHeaderModifier",
            "bad.yaml:9:31: spec.rules[0].filters[0].responseHeaderModifier: must not be set when type is RequestHeaderModifier",
            "bad.yaml:11:37: spec.rules[0].filters[1].requestRedirect.statusCode: invalid value 305: must be one of 301, 302, 303, 307, 308",
            "bad.yaml:11:48: spec.rules[0].filters[1].requestRedirect.path.replacePrefixMatch: required when type is ReplacePrefixMatch",
            "bad.yaml:11:55: spec.rules[0].filters[1].requestRedirect.path.type: ReplacePrefixMatch needs the rule to have exactly one PathPrefix match",
            "bad.yaml:11:92: spec.rules[0].filters[1].requestRedirect.path.replaceFullPath: must not be set when type is ReplacePrefixMatch",
            "bad.yaml:15:33: spec.rules[0].filters[3].requestRedirect.scheme: invalid value \"ftp\": must be one of http, https (did you mean \"http\"?)",
            "bad.yaml:17:7: spec.rules[0].backendRefs[0].port: required for a Service backend");
    }

    [Fact]
    public void HttpRouteHeaderModifiersMirrorsCorsAndTimeouts()
    {
        Yaml.AssertErrors(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              rules:
              - filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: X-A, value: "1"}]
                    remove: [x-a]
                - type: RequestMirror
                  requestMirror:
                    backendRef: {name: shadow, port: 80}
                    percent: 10
                    fraction: {numerator: 5, denominator: 4}
                - type: CORS
                  cors: {allowOrigins: ["*", "https://a.example"], allowMethods: ["*", GET], maxAge: 0}
                timeouts: {request: 1s, backendRequest: 2s}
                retry: {codes: [200], backoff: 1.5s}
            """,
            "bad.yaml:10:18: spec.rules[0].filters[0].requestHeaderModifier.remove[0]: header \"x-a\" already has an action at spec.rules[0].filters[0].requestHeaderModifier.set[0]",
            "bad.yaml:15:19: spec.rules[0].filters[1].requestMirror.fraction: percent and fraction are mutually exclusive",
            "bad.yaml:15:31: spec.rules[0].filters[1].requestMirror.fraction.numerator: must not exceed the denominator (4)",
            "bad.yaml:17:28: spec.rules[0].filters[2].cors.allowOrigins: \"*\" cannot be combined with other origins",
            "bad.yaml:17:70: spec.rules[0].filters[2].cors.allowMethods: \"*\" cannot be combined with other methods",
            "bad.yaml:17:90: spec.rules[0].filters[2].cors.maxAge: must be between 1 and 2147483647, got 0",
            "bad.yaml:18:45: spec.rules[0].timeouts.backendRequest: must not be longer than the request timeout (1s)",
            "bad.yaml:19:21: spec.rules[0].retry.codes[0]: must be between 400 and 599, got 200",
            "bad.yaml:19:36: spec.rules[0].retry.backoff: \"1.5s\" is not a valid Gateway API duration: use up to 4 groups of 1-5 digits with unit h, m, s or ms (e.g. \"500ms\", \"1h30m\")");
    }

    [Fact]
    public void RouteParentRefsToTheSameParentNeedDistinctSections()
    {
        Yaml.AssertErrors(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              parentRefs:
              - {name: gw}
              - {name: gw, sectionName: http}
              - {name: gw, sectionName: http}
              - {name: other}
              rules:
              - {name: a}
              - {name: a}
            """,
            "bad.yaml:6:5: spec.parentRefs[0]: sectionName or port must be set: several parentRefs point to Gateway \"gw\"",
            "bad.yaml:8:5: spec.parentRefs[2]: duplicate parentRef to Gateway \"gw\" with the same sectionName and port",
            "bad.yaml:12:12: spec.rules[1].name: duplicate rule name \"a\" (also spec.rules[0])");
    }

    [Fact]
    public void GrpcRouteMethodMatches()
    {
        Yaml.AssertErrors(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: r}
            spec:
              rules:
              - matches:
                - method: {}
                - method: {service: "not a service", method: "Do-It"}
                - method: {type: RegularExpression, service: "(bad"}
                backendRefs: [{name: s, port: 9090, weight: -1}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: r2}
            spec:
              rules: [{filters: [{type: CORS}]}]
            """,
            "bad.yaml:7:15: spec.rules[0].matches[0].method: service or method must be set",
            "bad.yaml:8:25: spec.rules[0].matches[1].method.service: \"not a service\" is not a valid gRPC service name (e.g. \"foo.bar.Baz\")",
            "bad.yaml:8:50: spec.rules[0].matches[1].method.method: \"Do-It\" is not a valid gRPC method name",
            "bad.yaml:9:50: spec.rules[0].matches[2].method.service: invalid regular expression: Invalid pattern '(bad' at offset 4. Not enough )'s.",
            "bad.yaml:10:49: spec.rules[0].backendRefs[0].weight: must be between 0 and 1000000, got -1",
            "bad.yaml:16:29: spec.rules[0].filters[0].type: invalid value \"CORS\": must be one of RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, ExtensionRef");
    }

    [Fact]
    public void L4RoutesNeedRulesWithBackends()
    {
        Yaml.AssertErrors(
            """
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: TCPRoute
            metadata: {name: r}
            spec:
              parentRefs: [{name: gw}]
            ---
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: TLSRoute
            metadata: {name: r}
            spec:
              rules: [{backendRefs: [{name: s}]}]
            """,
            "bad.yaml:5:3: spec.rules: required field is missing",
            "bad.yaml:11:26: spec.rules[0].backendRefs[0].port: required for a Service backend");
    }

    [Fact]
    public void ReferenceGrantNeedsFromAndTo()
    {
        Yaml.AssertErrors(
            """
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: g}
            spec:
              from: [{kind: HTTPRoute}]
              to: []
            """,
            "bad.yaml:5:10: spec.from[0].namespace: required field is missing",
            "bad.yaml:6:7: spec.to: must have at least 1 item");
    }

    [Fact]
    public void BackendTlsPolicyTrustAndSubjectAltNames()
    {
        Yaml.AssertErrors(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: BackendTLSPolicy
            metadata: {name: p}
            spec:
              targetRefs:
              - {kind: Service, name: s}
              - {kind: Service, name: s}
              validation:
                caCertificateRefs: [{kind: ConfigMap, name: ca}]
                wellKnownCACertificates: System
                hostname: backend.example
                subjectAltNames:
                - {type: Hostname, uri: "spiffe://x/y"}
            """,
            "bad.yaml:7:5: spec.targetRefs[1]: duplicate target (also spec.targetRefs[0])",
            "bad.yaml:10:30: spec.validation.wellKnownCACertificates: caCertificateRefs and wellKnownCACertificates are mutually exclusive",
            "bad.yaml:13:7: spec.validation.subjectAltNames[0].hostname: required when type is Hostname",
            "bad.yaml:13:29: spec.validation.subjectAltNames[0].uri: must not be set when type is Hostname");

        Yaml.AssertErrors(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: BackendTLSPolicy
            metadata: {name: p}
            spec:
              targetRefs: [{kind: Service, name: s}]
            """,
            "bad.yaml:5:3: spec.validation: required field is missing");
    }

    [Fact]
    public void GatewayClassNeedsAController()
    {
        Yaml.AssertErrors(
            "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: c}\nspec: {}\n",
            "bad.yaml:4:7: spec.controllerName: required field is missing");
    }

    [Fact]
    public void StatusIsKeptButNeverRejected()
    {
        var route = Yaml.Single<Resources.HTTPRouteResource>("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec: {}
            status:
              parents:
              - parentRef: {name: gw}
                controllerName: example.com/c
                futureField: {x: 1}
                conditions:
                - {type: Accepted, status: "True", reason: Accepted, observedGeneration: not-a-number}
            """);

        var parent = Assert.Single(route.Status!.Parents);
        Assert.Equal("example.com/c", parent.ControllerName);
        Assert.Equal("Accepted", parent.Conditions[0].Reason);
        Assert.Null(parent.Conditions[0].ObservedGeneration);
    }

    [Fact]
    public void OpaqueStatusOfSkeinAndCoreKindsIsKeptAsJson()
    {
        var service = Yaml.Single<Resources.ServiceResource>("""
            apiVersion: v1
            kind: Service
            metadata: {name: s}
            spec: {ports: [{port: 80}]}
            status:
              loadBalancer:
                ingress: [{ip: 192.0.2.1}]
            """);

        Assert.Equal("192.0.2.1", service.Status!["loadBalancer"]!["ingress"]![0]!["ip"]!.GetValue<string>());
    }
}
