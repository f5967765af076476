namespace Skein.Core.Tests;

/// <summary>Exact error texts for representative bad files: what a user sees is part of the contract.</summary>
public class ErrorMessageTests
{
    [Fact]
    public void TypoedFieldSuggestsTheClosestKnownField()
    {
        var errors = Yaml.Errors("""
            apiVersion: v1
            kind: Service
            metadata:
              name: reviews
            spec:
              ports:
              - port: 80
                tragetPort: 8080
            """);

        Assert.Equal(["bad.yaml:8:5: spec.ports[0].tragetPort: unknown field \"tragetPort\" (did you mean \"targetPort\"?)"], errors);
    }

    [Fact]
    public void UnknownFieldWithoutCloseMatchHasNoSuggestion()
    {
        var errors = Yaml.Errors("""
            apiVersion: v1
            kind: Namespace
            metadata:
              name: shop
              colour: blue
            """);

        Assert.Equal(["bad.yaml:5:3: metadata.colour: unknown field \"colour\""], errors);
    }

    [Fact]
    public void WrongScalarTypeNamesTheExpectedType()
    {
        var errors = Yaml.Errors("""
            apiVersion: v1
            kind: Service
            metadata:
              name: reviews
            spec:
              ports:
              - port: abc
            """);

        Assert.Equal(["bad.yaml:7:11: spec.ports[0].port: expected an integer, got \"abc\""], errors);
    }

    [Fact]
    public void QuotedNumberForAnIntegerSaysToRemoveTheQuotes()
    {
        var errors = Yaml.Errors("""
            apiVersion: v1
            kind: Service
            metadata:
              name: reviews
            spec:
              ports:
              - port: "80"
            """);

        Assert.Equal(["bad.yaml:7:11: spec.ports[0].port: expected an integer, got the string \"80\" (remove the quotes)"], errors);
    }

    [Fact]
    public void UnquotedNumberForAStringSaysToQuoteIt()
    {
        var errors = Yaml.Errors("""
            apiVersion: v1
            kind: Namespace
            metadata:
              name: shop
              labels:
                version: 1.0
                canary: true
            """);

        Assert.Equal(
            [
                "bad.yaml:6:14: metadata.labels[\"version\"]: expected a string, got the number 1.0 (quote it to make it a string)",
                "bad.yaml:7:13: metadata.labels[\"canary\"]: expected a string, got the boolean true (quote it to make it a string)",
            ],
            errors);
    }

    [Fact]
    public void WrongNodeKindIsReported()
    {
        var errors = Yaml.Errors("""
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata:
              name: reviews
            spec:
              addresses: 10.0.0.1
              node: node-a
              locality: [eu]
            """);

        Assert.Equal(
            [
                "bad.yaml:6:14: spec.addresses: expected a list, got \"10.0.0.1\"",
                "bad.yaml:8:13: spec.locality: expected a mapping, got a list",
            ],
            errors);
    }

    [Fact]
    public void MissingRequiredFieldPointsAtTheParentMapping()
    {
        var errors = Yaml.Errors("""
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata:
              name: reviews
            spec:
              addresses: [10.0.0.1]
              upstreams:
              - service: ratings
                port: 9080
            """);

        Assert.Equal(
            [
                "bad.yaml:6:3: spec.node: required field is missing",
                "bad.yaml:8:5: spec.upstreams[0].localPort: required field is missing",
            ],
            errors);
    }

    [Fact]
    public void MissingSpecReportsItsRequiredFieldsAtTheDocument()
    {
        var errors = Yaml.Errors("""
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata:
              name: reviews
            """);

        Assert.Equal(
            [
                "bad.yaml:1:1: spec.addresses: required field is missing",
                "bad.yaml:1:1: spec.node: required field is missing",
            ],
            errors);
    }

    [Fact]
    public void MissingMetadataReportsTheName()
    {
        var errors = Yaml.Errors("""
            apiVersion: v1
            kind: Namespace
            """);

        Assert.Equal(["bad.yaml:1:1: metadata.name: required field is missing"], errors);
    }

    [Fact]
    public void BadEnumValueListsAllowedValuesAndSuggests()
    {
        var errors = Yaml.Errors("""
            apiVersion: skein.dev/v1alpha1
            kind: PeerAuthentication
            metadata:
              name: strict
            spec:
              mtls:
                mode: strict
            """);

        Assert.Equal(["bad.yaml:7:11: spec.mtls.mode: invalid value \"strict\": must be one of UNSET, STRICT, PERMISSIVE, DISABLE (did you mean \"STRICT\"?)"], errors);
    }

    [Fact]
    public void BadEnumValueWithoutCloseMatch()
    {
        var errors = Yaml.Errors("""
            apiVersion: skein.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata:
              name: p
            spec:
              action: PERMIT
            """);

        Assert.Equal(["bad.yaml:6:11: spec.action: invalid value \"PERMIT\": must be one of ALLOW, DENY, AUDIT"], errors);
    }

    [Fact]
    public void BadIpAddressIsReported()
    {
        var errors = Yaml.Errors("""
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata:
              name: reviews
            spec:
              addresses: [10.0.0.1, 10.0.0.300, "10.1"]
              node: node-a
            """);

        Assert.Equal(
            [
                "bad.yaml:6:25: spec.addresses[1]: \"10.0.0.300\" is not a valid IP address",
                "bad.yaml:6:37: spec.addresses[2]: \"10.1\" is not a valid IP address",
            ],
            errors);
    }

    [Fact]
    public void OutOfRangeNumberShowsTheBounds()
    {
        var errors = Yaml.Errors("""
            apiVersion: v1
            kind: Service
            metadata:
              name: reviews
            spec:
              ports:
              - port: 70000
            """);

        Assert.Equal(["bad.yaml:7:11: spec.ports[0].port: must be between 1 and 65535, got 70000"], errors);
    }

    [Fact]
    public void UnknownKindListsSupportedKindsAndSuggests()
    {
        var errors = Yaml.Errors("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HttpRoute
            metadata:
              name: r
            """);

        Assert.Equal(
            [
                "bad.yaml:2:7: kind: unknown kind \"HttpRoute\" (did you mean \"HTTPRoute\"?); supported kinds: "
                + "AuthorizationPolicy, BackendTLSPolicy, ConfigMap, GRPCRoute, Gateway, GatewayClass, HTTPRoute, ListenerSet, MeshFederation, "
                + "Namespace, PeerAuthentication, ReferenceGrant, Secret, Service, TCPRoute, TLSRoute, Telemetry, TrafficPolicy, Workload",
            ],
            errors);
    }

    [Fact]
    public void UnknownKindWithoutSuggestion()
    {
        var error = Assert.Single(Yaml.Errors("""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
            """));

        Assert.StartsWith("bad.yaml:2:7: kind: unknown kind \"Deployment\"; supported kinds: ", error);
    }

    [Fact]
    public void ApiVersionMustBelongToTheKind()
    {
        var errors = Yaml.Errors("""
            apiVersion: v1
            kind: HTTPRoute
            metadata:
              name: r
            """);

        Assert.Equal(["bad.yaml:1:13: apiVersion: \"v1\" is not a valid apiVersion for HTTPRoute: use gateway.networking.k8s.io/v1 or gateway.networking.k8s.io/v1beta1"], errors);
    }

    [Fact]
    public void MissingHeaderFieldsAreBothReported()
    {
        var errors = Yaml.Errors("""
            metadata:
              name: r
            """);

        Assert.Equal(
            [
                "bad.yaml:1:1: kind: required field is missing",
                "bad.yaml:1:1: apiVersion: required field is missing",
            ],
            errors);
    }

    [Fact]
    public void DocumentThatIsNotAMappingIsReported()
    {
        var errors = Yaml.Errors("""
            - apiVersion: v1
              kind: Namespace
            """);

        Assert.Equal(["bad.yaml:1:1: (document): expected a mapping with apiVersion and kind, got a list"], errors);
    }

    [Fact]
    public void YamlSyntaxErrorIsReportedWithItsLine()
    {
        var errors = Yaml.Errors("""
            apiVersion: v1
            kind: Namespace
            metadata:
              name: shop
               labels: {}
            """);

        Assert.Equal(["bad.yaml:5:10: (document): YAML syntax error: While scanning a plain scalar value, found invalid mapping"], errors);
    }

    [Fact]
    public void TabIndentationPointsAtTheTab()
    {
        var errors = Yaml.Errors("apiVersion: v1\nkind: Namespace\nmetadata:\n\tname: shop\n");

        Assert.Equal(["bad.yaml:4:1: (document): YAML syntax error: While scanning a mapping, found invalid tab as indentation"], errors);
    }

    [Fact]
    public void DuplicateKeyIsASyntaxError()
    {
        var error = Assert.Single(Yaml.Errors("""
            apiVersion: v1
            kind: Namespace
            metadata:
              name: a
              name: b
            """));

        Assert.Equal("bad.yaml:5:3: (document): YAML syntax error: Duplicate key name", error);
    }

    [Fact]
    public void DocumentsBeforeASyntaxErrorStillLoad()
    {
        var result = Yaml.Load("""
            apiVersion: v1
            kind: Namespace
            metadata:
              name: first
            ---
            apiVersion: v1
            kind: Namespace
            metadata:
              name: [oops
            """);

        Assert.Equal("first", Assert.Single(result.Resources).Metadata.Name);
        Assert.Contains("YAML syntax error", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void AllErrorsOfAFileAreCollected()
    {
        var errors = Yaml.Errors("""
            apiVersion: v1
            kind: Service
            metadata:
              name: Reviews
              labels:
                "bad key!": x
            spec:
              type: Cluster
              ports:
              - port: 0
              - port: 80
                protocl: TCP
            ---
            apiVersion: v1
            kind: Namespace
            metadata:
              name: ok
              namespace: default
            """);

        Assert.Equal(
            [
                "bad.yaml:4:9: metadata.name: \"Reviews\" is not a valid Service name: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
                "bad.yaml:6:17: metadata.labels[\"bad key!\"]: \"bad key!\" is not a valid key: use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
                "bad.yaml:8:9: spec.type: invalid value \"Cluster\": must be one of ClusterIP, NodePort, LoadBalancer, ExternalName (did you mean \"ClusterIP\"?)",
                "bad.yaml:10:11: spec.ports[0].port: must be between 1 and 65535, got 0",
                "bad.yaml:12:5: spec.ports[1].protocl: unknown field \"protocl\" (did you mean \"protocol\"?)",
                "bad.yaml:18:14: metadata.namespace: must not be set: Namespace is cluster-scoped",
            ],
            errors);
    }

    [Fact]
    public void ErrorRecordFormatsAsFileLineColumnFieldMessage()
    {
        var error = new Configuration.ConfigError("a.yaml", 3, 7, "spec.node", "required field is missing");

        Assert.Equal("a.yaml:3:7: spec.node: required field is missing", error.ToString());
    }
}
