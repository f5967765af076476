using Skein.Core.Resources;

namespace Skein.Core.Tests;

/// <summary>Multi-document streams: positions stay right in later documents; empty documents and comments are fine.</summary>
public class MultiDocumentTests
{
    private const string ThreeDocuments = """
        # The bookstore namespace.
        apiVersion: v1
        kind: Namespace
        metadata:
          name: bookstore
        ---
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata:
          name: reviews
          namespace: bookstore
        spec:
          addresses: [10.0.0.1]
          node: node-a
          serviceAccount: Reviews_SA
        ---
        # a comment-only document
        ---

        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: reviews
          namespace: bookstore
        spec:
          ports:
          - port: 9080
            targetPort: http_port
        """;

    [Fact]
    public void ErrorsInSecondAndThirdDocumentsHaveTheirOwnLines()
    {
        var errors = Yaml.Errors(ThreeDocuments);

        Assert.Equal(
            [
                "bad.yaml:15:19: spec.serviceAccount: \"Reviews_SA\" is not a valid DNS label: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
                "bad.yaml:29:17: spec.ports[0].targetPort: \"http_port\" is not a valid port number or port name (a name has at most 15 lowercase letters, digits and '-', with at least one letter)",
            ],
            errors);
    }

    [Fact]
    public void ValidDocumentsAreKeptWithTheirSourceLine()
    {
        var result = Yaml.Load(ThreeDocuments);

        var ns = Assert.Single(result.Resources);
        Assert.IsType<NamespaceResource>(ns);
        Assert.Equal(new SourceLocation("bad.yaml", 2), ns.Source);
    }

    [Fact]
    public void EmptyInputAndEmptyDocumentsLoadNothing()
    {
        Assert.True(Yaml.Load("").Ok);
        Assert.Empty(Yaml.Load("").Resources);

        var result = Yaml.Load("---\n# nothing\n---\n...\n");
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Empty(result.Resources);
    }

    [Fact]
    public void SourceLineOfEachDocumentIsItsFirstLine()
    {
        var result = Yaml.Load("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: a}
            ---
            # comment first
            apiVersion: v1
            kind: Namespace
            metadata: {name: b}
            """);

        Assert.Equal([1, 6], result.Resources.Select(r => r.Source!.Line));
    }

    [Fact]
    public void JsonInputIsAccepted()
    {
        var ns = Yaml.Single<NamespaceResource>("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"from-json","labels":{"a":"b"}}}""");

        Assert.Equal("from-json", ns.Metadata.Name);
        Assert.Equal("b", ns.Metadata.Labels["a"]);
    }

    [Fact]
    public void AnchorsAndAliasesAreResolved()
    {
        var workload = Yaml.Single<WorkloadResource>("""
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata:
              name: w
              labels: &labels {app: web}
              annotations: *labels
            spec: {addresses: [10.0.0.1], node: n}
            """);

        Assert.Equal("web", workload.Metadata.Annotations["app"]);
    }
}
