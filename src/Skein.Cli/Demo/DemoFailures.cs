namespace Skein.Cli.Demo;

/// <summary>Failures the demo can inject by a config change: files written next to (not into) the watched config directory.</summary>
internal static class DemoFailures
{
    /// <summary>The file name of the policy that denies frontend → payments.</summary>
    public const string DenyPayments = "deny-payments.yaml";

    /// <summary>A DENY AuthorizationPolicy on payments for the frontend's identity: the frontend → payments edge turns red.</summary>
    public const string DenyPaymentsYaml = """
        # Injected failure: payments refuses the frontend. Copy this file into the demo's config directory;
        # the frontend → payments edge turns red in `skein top`, and `skein explain --from frontend-v1 --to payments`
        # names this policy. Delete the copy to heal.
        apiVersion: skein.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata:
          name: deny-frontend-to-payments
          namespace: bookstore
        spec:
          selector:
            matchLabels:
              app: payments
          action: DENY
          rules:
          - from:
            - source:
                principals: [cluster.local/ns/bookstore/sa/frontend]

        """;

    /// <summary>Writes the injectable failures into <paramref name="directory"/>.</summary>
    public static async Task WriteAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, DenyPayments), DenyPaymentsYaml);
    }
}
