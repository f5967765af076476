namespace Skein.Samples.Echo;

/// <summary>Where this echo server runs, reported in every reply (the conformance "Context" fields).</summary>
public sealed record EchoIdentity(string Namespace, string Ingress, string Service, string Pod)
{
    /// <summary>Reads NAMESPACE, INGRESS_NAME, SERVICE_NAME and POD_NAME, as the upstream echo-basic image does.</summary>
    public static EchoIdentity FromEnvironment() => new(
        Env("NAMESPACE") ?? "default",
        Env("INGRESS_NAME") ?? "",
        Env("SERVICE_NAME") ?? "",
        // On Kubernetes the host name is the pod name, so it is the natural fallback.
        Env("POD_NAME") ?? Environment.MachineName);

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
