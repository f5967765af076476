namespace Skein.Core.Tests;

/// <summary>Cross-field rules of Skein's own kinds.</summary>
public class SkeinKindValidationTests
{
    [Fact]
    public void WorkloadUpstreamsAndPorts()
    {
        Yaml.AssertErrors(
            """
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata: {name: w}
            spec:
              addresses: [10.0.0.1, 10.0.0.1]
              node: n
              ports: {http: 0, Web: 80}
              upstreams:
              - {service: ratings, port: 9080, localPort: 9000}
              - {service: details.other.ns, port: 9080, localPort: 9001}
              - {service: reviews, port: 9080, localPort: 9000}
              - {service: reviews, port: 9080, localPort: 9000, bindAddress: 127.0.0.2}
            """,
            "bad.yaml:5:25: spec.addresses[1]: duplicate address \"10.0.0.1\" (also spec.addresses[0])",
            "bad.yaml:7:17: spec.ports[\"http\"]: must be between 1 and 65535, got 0",
            "bad.yaml:7:25: spec.ports[\"Web\"]: \"Web\" is not a valid port name: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
            "bad.yaml:10:15: spec.upstreams[1].service: \"details.other.ns\" is not a valid service reference: use \"name\" or \"name.namespace\" (DNS labels)",
            "bad.yaml:11:47: spec.upstreams[2].localPort: 127.0.0.1:9000 is already used by spec.upstreams[0]");
    }

    [Fact]
    public void WorkloadIpv6AddressesAreAccepted()
    {
        Assert.Empty(Yaml.Errors("apiVersion: skein.dev/v1alpha1\nkind: Workload\nmetadata: {name: w}\nspec: {addresses: [\"::1\", \"fd00::1\"], node: n}\n"));
    }

    [Fact]
    public void AuthorizationPolicyRules()
    {
        Yaml.AssertErrors(
            """
            apiVersion: skein.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: p}
            spec:
              selector: {matchLabels: {app: web}}
              targetRefs:
              - {kind: Deployment, name: web}
              action: DENY
              rules:
              - from:
                - source: {}
                - source: {ipBlocks: [10.0.0.0/33]}
                to:
                - operation: {ports: ["0"], paths: [api]}
                when:
                - key: source.principle
                  values: [a]
                - key: request.headers[x-id]
            """,
            "bad.yaml:7:3: spec.targetRefs: selector and targetRefs are mutually exclusive",
            "bad.yaml:7:12: spec.targetRefs[0].kind: unsupported target \"Deployment\": use kind Gateway (group gateway.networking.k8s.io) or kind Service (group \"\")",
            "bad.yaml:11:15: spec.rules[0].from[0].source: must set at least one field",
            "bad.yaml:12:27: spec.rules[0].from[1].source.ipBlocks[0]: \"10.0.0.0/33\" is not a valid IP address or CIDR block",
            "bad.yaml:14:27: spec.rules[0].to[0].operation.ports[0]: \"0\" is not a valid port: use a number from 1 to 65535",
            "bad.yaml:14:41: spec.rules[0].to[0].operation.paths[0]: \"api\" must start with '/' (or '*' for a suffix match)",
            "bad.yaml:16:12: spec.rules[0].when[0].key: unknown condition key \"source.principle\" (did you mean \"source.principal\"?)",
            "bad.yaml:18:7: spec.rules[0].when[1]: must set values or notValues");
    }

    [Fact]
    public void UnknownFieldsDoNotHideCrossFieldErrors()
    {
        Yaml.AssertErrors(
            """
            apiVersion: skein.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: p}
            spec:
              rules:
              - from:
                - source: {}
                  sourse: {}
            """,
            "bad.yaml:7:15: spec.rules[0].from[0].source: must set at least one field",
            "bad.yaml:8:7: spec.rules[0].from[0].sourse: unknown field \"sourse\" (did you mean \"source\"?)");
    }

    [Fact]
    public void ValuesThatCannotBindHoldBackCrossFieldChecks()
    {
        // A dropped list entry would shift indexes, so cross-field rules wait until the input binds.
        Yaml.AssertErrors(
            """
            apiVersion: skein.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: p}
            spec:
              rules:
              - from:
                - source: {}
                - 42
            """,
            "bad.yaml:8:7: spec.rules[0].from[1]: expected a mapping, got \"42\"");
    }

    [Fact]
    public void PeerAuthenticationPortKeysAndSelector()
    {
        Yaml.AssertErrors(
            """
            apiVersion: skein.dev/v1alpha1
            kind: PeerAuthentication
            metadata: {name: p}
            spec:
              portLevelMtls:
                http: {mode: DISABLE}
                "8080": {mode: PERMISSIVE}
            """,
            "bad.yaml:6:5: spec.portLevelMtls: requires spec.selector: per-port modes apply to selected workloads",
            "bad.yaml:6:11: spec.portLevelMtls[\"http\"]: \"http\" is not a valid port: use a number from 1 to 65535");
    }

    [Fact]
    public void TrafficPolicyTargetsRetriesTimeoutsAndDurations()
    {
        Yaml.AssertErrors(
            """
            apiVersion: skein.dev/v1alpha1
            kind: TrafficPolicy
            metadata: {name: t}
            spec:
              targetRefs:
              - {kind: Gateway, name: g}
              - {group: apps, kind: Service, name: s}
              retries: {retryOn: [5xx, conect-failure, "503"]}
              timeouts: {request: 1s, backendRequest: 2s}
            """,
            "bad.yaml:6:12: spec.targetRefs[0].kind: unsupported target kind \"Gateway\": must be Service",
            "bad.yaml:7:13: spec.targetRefs[1].group: must be \"\" (the core group) for a Service, got \"apps\"",
            "bad.yaml:8:28: spec.retries.retryOn[1]: unknown retry condition \"conect-failure\" (did you mean \"connect-failure\"?): use one of 5xx, gateway-error, reset, connect-failure, retriable-4xx, refused-stream, retriable-status-codes, retriable-headers, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable or a status code",
            "bad.yaml:9:43: spec.timeouts.backendRequest: must not be longer than the request timeout (1s)");
    }

    [Fact]
    public void TrafficPolicyDurationsAndPercentages()
    {
        Yaml.AssertErrors(
            """
            apiVersion: skein.dev/v1alpha1
            kind: TrafficPolicy
            metadata: {name: t}
            spec:
              targetRefs: []
              connectionPool: {connectTimeout: 5 seconds}
              outlierDetection: {maxEjectionPercent: 101}
              faults: {delay: {percentage: 100.5, fixedDelay: 1s}, abort: {percentage: 1}}
            """,
            "bad.yaml:5:15: spec.targetRefs: must have at least 1 item",
            "bad.yaml:6:36: spec.connectionPool.connectTimeout: \"5 seconds\" is not a valid duration (examples: \"100ms\", \"5s\", \"1m\", \"1h30m\")",
            "bad.yaml:7:42: spec.outlierDetection.maxEjectionPercent: must be between 0 and 100, got 101",
            "bad.yaml:8:32: spec.faults.delay.percentage: must be between 0 and 100, got 100.5",
            "bad.yaml:8:63: spec.faults.abort.httpStatus: required field is missing");
    }

    [Fact]
    public void MeshFederationProfileNeedsTheEndpointId()
    {
        Yaml.AssertErrors(
            """
            apiVersion: skein.dev/v1alpha1
            kind: MeshFederation
            metadata: {name: east}
            spec:
              trustDomain: East.Example
              bundleEndpointURL: http://east.example/bundle
              bundleEndpointProfile: https_spiffe
            """,
            "bad.yaml:5:3: spec.endpointSPIFFEID: required when bundleEndpointProfile is https_spiffe",
            "bad.yaml:5:16: spec.trustDomain: \"East.Example\" is not a valid trust domain: use lowercase letters, digits, '.', '-' and '_'",
            "bad.yaml:6:22: spec.bundleEndpointURL: \"http://east.example/bundle\" is not an absolute https:// URL");

        Yaml.AssertErrors(
            """
            apiVersion: skein.dev/v1alpha1
            kind: MeshFederation
            metadata: {name: east}
            spec:
              trustDomain: east.example
              bundleEndpointURL: https://east.example/bundle
              bundleEndpointProfile: https_spiffe
              networkGateway: {address: "bad address", port: 15008}
            """,
            "bad.yaml:5:3: spec.endpointSPIFFEID: required when bundleEndpointProfile is https_spiffe",
            "bad.yaml:8:29: spec.networkGateway.address: \"bad address\" is not a valid IP address or DNS name");
    }

    [Fact]
    public void MeshFederationSpiffeIdSyntax()
    {
        Yaml.AssertErrors(
            """
            apiVersion: skein.dev/v1alpha1
            kind: MeshFederation
            metadata: {name: east}
            spec:
              trustDomain: east.example
              bundleEndpointURL: https://east.example/bundle
              bundleEndpointProfile: https_spiffe
              endpointSPIFFEID: https://east.example/x
            """,
            "bad.yaml:8:21: spec.endpointSPIFFEID: \"https://east.example/x\" is not a valid SPIFFE ID: use spiffe://<trust-domain>/<path>");
    }

    [Fact]
    public void TelemetryRanges()
    {
        Yaml.AssertErrors(
            """
            apiVersion: skein.dev/v1alpha1
            kind: Telemetry
            metadata: {name: t}
            spec:
              accessLogging: [{format: YAML, samplingPercentage: -1}]
              tracing: [{otlpEndpoint: "collector"}]
            """,
            "bad.yaml:5:28: spec.accessLogging[0].format: invalid value \"YAML\": must be one of TEXT, JSON",
            "bad.yaml:5:54: spec.accessLogging[0].samplingPercentage: must be between 0 and 100, got -1",
            "bad.yaml:6:28: spec.tracing[0].otlpEndpoint: \"collector\" is not a valid endpoint: use host:port or an http(s) URL");
    }
}
