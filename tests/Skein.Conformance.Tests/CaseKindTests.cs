using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using Skein.Conformance.Checks;
using Skein.Conformance.Corpus;
using Skein.Conformance.Translation;
using Skein.Samples.Echo.Grpc.Contract;

namespace Skein.Conformance.Tests;

/// <summary>Upstream resolutions, the websocket/grpc/tcp case kinds, SNI targets and the translation of echo modes.</summary>
public class CaseKindTests
{
    private static ParsedCase Parse(string json) => HttpCaseParser.Parse(JsonNode.Parse(json)!.AsObject(), 0);

    [Fact]
    public void ResolutionsReplaceExtractedCasesAndPinTheGateway()
    {
        var resolutions = UpstreamResolutions.Parse("""
            {"T": {"source": "t.go", "gateway": "infra/gw", "cases": [{"Request": {"Path": "/a", "ServerName": "example.org"}}],
                   "endpointsFrom": {"manual": "infra-backend-v1"}}}
            """, "upstream.json");
        var test = new ConformanceTest("T", "", [], [], false, false, null,
            [JsonNode.Parse("""{"Request": {"Host": {"$expr": "tc.host"}}}""")!.AsObject()], [], []);

        var applied = UpstreamResolutions.Apply(test, resolutions["T"]);

        Assert.Equal("infra/gw", resolutions["T"].Gateway);
        Assert.Equal("infra-backend-v1", resolutions["T"].EndpointsFrom["manual"]);
        var parsed = HttpCaseParser.Parse(Assert.Single(applied.Cases), 0).Case!;
        Assert.Equal(("/a", "example.org"), (parsed.Request.Path, parsed.Request.ServerName));
        Assert.Same(test, UpstreamResolutions.Apply(test, null));
    }

    [Fact]
    public void ResolutionsReplaceExpressionConditionsAndMarkGoStepConditionsUnchecked()
    {
        var resolutions = UpstreamResolutions.Parse("""
            {"Exprs": {"conditions": [{"Type": "ResolvedRefs", "Status": "False", "Reason": "RefNotPermitted"}]},
             "Steps": {"uncheckedConditions": [{"Type": "Accepted", "Status": "False", "Reason": "NoValidCACertificate"}], "uncheckedWhy": "changed in Go"}}
            """, "upstream.json");
        var test = new ConformanceTest("T", "", [], [], false, false, null, [], [],
            [new ExpectedCondition("Accepted", "True", "Accepted"), new ExpectedCondition("Accepted", "False", "NoValidCACertificate"), new ExpectedCondition("ResolvedRefs", "False", null, "Reason: tc.reason")]);

        Assert.Equal([new ExpectedCondition("ResolvedRefs", "False", "RefNotPermitted")], UpstreamResolutions.Apply(test, resolutions["Exprs"]).Conditions);
        var steps = UpstreamResolutions.Apply(test, resolutions["Steps"]).Conditions;
        Assert.Null(steps[0].Unresolved);
        Assert.Equal("changed in Go", steps[1].Unresolved);
        Assert.Equal("Reason: tc.reason", steps[2].Unresolved);
    }

    [Fact]
    public void AResolutionGatewayMustBeNamespaceSlashName()
    {
        var e = Assert.Throws<FormatException>(() => UpstreamResolutions.Parse("""{"T": {"gateway": "gw"}}""", "upstream.json"));
        Assert.Contains("upstream.json: T.gateway: expected namespace/name", e.Message);
    }

    [Fact]
    public void EachAttemptGetsAFreshUuidInRequestAndExpectedPath()
    {
        var c = Parse("""{"Request": {"Path": "/retry?succeedAfter=2&uuid={uuid}"}, "$kind": "http"}""").Case!;

        var first = c.ForAttempt();
        var second = c.ForAttempt();

        Assert.DoesNotContain("{uuid}", first.Request.Path);
        Assert.Equal(first.Request.Path, first.ExpectedRequest.Path);
        Assert.NotEqual(first.Request.Path, second.Request.Path);
        var plain = Parse("""{"Request": {"Path": "/x"}}""").Case!;
        Assert.Same(plain, plain.ForAttempt());
    }

    [Fact]
    public void WebSocketGrpcAndTcpKindsParse()
    {
        Assert.Equal(CaseKind.WebSocket, Parse("""{"$kind": "websocket", "Request": {"Path": "/ws"}}""").Case!.Kind);

        var grpc = Parse("""
            {"$kind": "grpc", "EchoTwoRequest": {}, "RequestMetadata": {"Authority": "a.example", "Metadata": {"version": "two"}},
             "Backend": "grpc-v2", "Namespace": "ns", "Response": {"Code": {"$grpcCode": "Unimplemented"}, "Headers": {"x-a": "1"}}}
            """).Grpc!;
        Assert.Equal(GrpcMethod.EchoTwo, grpc.Method);
        Assert.Equal("/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/EchoTwo", grpc.FullMethod);
        Assert.Equal(("a.example", "two", "Unimplemented", "1"), (grpc.Authority, grpc.Metadata["version"], grpc.ExpectedCode, grpc.ResponseHeaders["x-a"]));
        Assert.Equal("OK", Parse("""{"$kind": "grpc", "EchoRequest": {}}""").Grpc!.ExpectedCode);

        var tcp = Parse("""{"$kind": "tcp", "Backend": "tcp-backend", "Namespace": "ns", "Hostname": "abc.example", "BackendIsTLS": true}""").Tcp!;
        Assert.Equal(("tcp-backend", "abc.example", true), (tcp.Backend, tcp.Hostname, tcp.BackendIsTls));

        Assert.Contains("not one this runner knows", Parse("""{"$kind": "udp"}""").SkipReason);
        Assert.Throws<FormatException>(() => Parse("""{"$kind": "grpc"}"""));
    }

    [Fact]
    public void TheSameHostWithAnotherServerNameIsNotAStateChange()
    {
        var cases = new[]
        {
            Parse("""{"Request": {"Host": "example.org", "Path": "/", "ServerName": "example.org"}, "Backend": "v1"}""").Case!,
            Parse("""{"Request": {"Host": "example.org", "Path": "/", "ServerName": "second.example.org"}, "Response": {"StatusCode": 421}}""").Case!,
        };
        Assert.Empty(StateChangeDetector.Conflicts(cases));
    }

    [Fact]
    public void AServerNamePicksTheHttpsListenerAndPinningPicksTheNamedGateway()
    {
        var docs = ManifestDocuments.Split("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: infra}
            spec:
              listeners:
              - {name: http, port: 80, protocol: HTTP}
              - {name: https, port: 443, protocol: HTTPS}
              - {name: tls, port: 9443, protocol: TLS}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: other, namespace: infra}
            spec:
              listeners: [{name: http, port: 8080, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r, namespace: infra}
            spec:
              parentRefs: [{name: other}, {name: gw, sectionName: http}]
            """).ToList();
        var targets = GatewayTarget.Resolve(docs, []);
        Assert.Equal(["other", "gw"], targets.Select(t => t.Name));

        var pinned = Assert.Single(GatewayTarget.Pin(targets, "infra/gw", docs, []));
        Assert.Equal((80, "http"), pinned.For("example.org"));
        Assert.Equal((443, "https"), pinned.For("example.org", serverName: "example.org"));
        Assert.Equal(9443, pinned.ListenerFor("TLS")!.Port);
        Assert.Null(pinned.ListenerFor("TCP"));
        Assert.Empty(GatewayTarget.Pin(targets, "infra/missing", docs, []));
    }

    [Fact]
    public void AListenerSetParentRefTargetsItsParentGatewayWithTheListenerSetsListeners()
    {
        var docs = ManifestDocuments.Split("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: infra}
            spec:
              listeners: [{name: http, port: 80, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: ls, namespace: apps}
            spec:
              parentRef: {name: gw, namespace: infra}
              listeners: [{name: extra, port: 8080, protocol: HTTP}, {name: secure, port: 8443, protocol: HTTPS}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r, namespace: apps}
            spec:
              parentRefs: [{kind: ListenerSet, group: gateway.networking.k8s.io, name: ls, sectionName: secure}]
            """).ToList();

        var target = Assert.Single(GatewayTarget.Resolve(docs, []));

        Assert.Equal(("infra", "gw"), (target.Namespace, target.Name));
        Assert.Equal(["http", "extra", "secure"], target.Listeners.Select(l => l.Name));
        Assert.Equal((8443, "https"), target.For("example.org"));
        Assert.Equal((8080, "http"), target.For("example.org:8080"));
    }

    [Fact]
    public void EchoModesAndServiceSelectorsTranslate()
    {
        const string yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: tcp, namespace: ns}
            spec:
              selector: {app: tcp}
              ports: [{port: 3000, targetPort: 3000}, {port: 8443, targetPort: 8443}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: manual, namespace: ns}
            spec:
              ports: [{port: 8080, targetPort: 3000}]
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: tcp, namespace: ns}
            spec:
              template:
                metadata: {labels: {app: tcp}}
                spec:
                  containers: [{name: e, image: registry.k8s.io/gateway-api/conformance/echo-basic:v1, env: [{name: TCP_ECHO_SERVER, value: "1"}]}]
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: grpc, namespace: ns}
            spec:
              template:
                metadata: {labels: {app: grpc}}
                spec:
                  containers: [{name: e, image: registry.k8s.io/gateway-api/conformance/echo-basic:v1, env: [{name: GRPC_ECHO_SERVER, value: "1"}]}]
            """;
        var next = 1;
        var translator = new ManifestTranslator("skein", "backend", ServicePorts.From([yaml]), () => IPAddress.Parse($"127.1.2.{next++}"));

        var result = translator.Translate([yaml], new Dictionary<string, IReadOnlyDictionary<string, string>> { ["ns/manual"] = new Dictionary<string, string> { ["app"] = "grpc" } });

        var tcp = result.Pods.Single(p => p.Deployment == "tcp");
        Assert.Equal(EchoMode.Tcp, tcp.Mode);
        Assert.Equal([8443], tcp.TlsPorts);
        Assert.Equal(EchoMode.Grpc, result.Pods.Single(p => p.Deployment == "grpc").Mode);
        Assert.Contains("selector:", result.Yaml.Split("kind: Service")[2]);
        Assert.Contains("app: grpc", result.Yaml.Split("kind: Service")[2]);
        Assert.DoesNotContain("...", result.Yaml);
    }

    [Fact]
    public void TcpAnswersAreChecked()
    {
        var c = new TcpCase("c", "tcp-backend", "ns", "abc.example", BackendIsTls: true);
        const string test = """{"pod": "tcp-backend-0", "namespace": "ns"}""";

        Assert.Null(TcpProbe.Evaluate(c, "PONG", "true", test));
        Assert.Contains("IS_TLS: expected true", TcpProbe.Evaluate(c, "PONG", "false", test));
        Assert.Contains("expected pod tcp-backend-*", TcpProbe.Evaluate(c, "PONG", "true", """{"pod": "other-0", "namespace": "ns"}"""));
        Assert.Contains("expected a JSON line", TcpProbe.Evaluate(c, "PONG", "true", "nope"));
        Assert.Contains("PING", TcpProbe.Evaluate(c, null, "true", test));
    }

    [Fact]
    public void GrpcRepliesAreChecked()
    {
        var c = new GrpcCase("c", GrpcMethod.Echo, null, new Dictionary<string, string>(), "grpc-v1", "ns", "OK", new Dictionary<string, string> { ["x-a"] = "1" });
        EchoResponse Reply(string method, string pod) => new()
        {
            Assertions = new Assertions { FullyQualifiedMethod = method, Context = new Context { Namespace = "ns", Pod = pod } },
        };

        Assert.Null(GrpcProbe.Evaluate(c, Reply(c.FullMethod, "grpc-v1-0"), new Metadata { { "x-a", "1" } }));
        Assert.Contains("expected pod grpc-v1", GrpcProbe.Evaluate(c, Reply(c.FullMethod, "grpc-v2-0"), new Metadata { { "x-a", "1" } }));
        Assert.Contains("expected method", GrpcProbe.Evaluate(c, Reply("/x/EchoTwo", "grpc-v1-0"), new Metadata { { "x-a", "1" } }));
        Assert.Contains("x-a: 1, it is missing", GrpcProbe.Evaluate(c, Reply(c.FullMethod, "grpc-v1-0"), []));
        Assert.Contains("expected gRPC status Unimplemented, got OK", GrpcProbe.Evaluate(c with { ExpectedCode = "Unimplemented" }, Reply(c.FullMethod, "grpc-v1-0"), []));
    }
}
