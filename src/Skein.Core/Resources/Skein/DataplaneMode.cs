namespace Skein.Core.Resources;

/// <summary>
/// The <c>skein.dev/dataplane-mode</c> label (Istio ambient's <c>istio.io/dataplane-mode</c>): whether a Workload is in the mesh
/// (<c>hbone</c>, the default: its node proxy serves it and senders reach it over HBONE) or outside it (<c>none</c>: no proxy
/// serves it and senders connect to it in plain TCP). A Workload's own label wins over its Namespace's.
/// </summary>
public static class DataplaneMode
{
    public const string Label = "skein.dev/dataplane-mode";

    /// <summary>Outside the mesh: reached in plain TCP, served by no proxy.</summary>
    public const string None = "none";

    /// <summary>In the mesh (the default): reached over HBONE through its node proxy.</summary>
    public const string Hbone = "hbone";

    public static bool IsValid(string value) => value is None or Hbone;

    /// <summary>Whether <paramref name="workload"/> is outside the mesh, given its namespace (null when the Namespace is not declared).</summary>
    public static bool IsOutsideMesh(WorkloadResource workload, NamespaceResource? ns) =>
        (workload.Metadata.Labels.GetValueOrDefault(Label) ?? ns?.Metadata.Labels.GetValueOrDefault(Label)) == None;

    /// <summary>A test for "outside the mesh" over one set of resources (namespaces looked up once).</summary>
    public static Func<WorkloadResource, bool> OutsideMeshTest(IEnumerable<Resource> resources)
    {
        var namespaces = resources.OfType<NamespaceResource>().ToDictionary(n => n.Metadata.Name, StringComparer.Ordinal);
        return w => IsOutsideMesh(w, namespaces.GetValueOrDefault(w.Metadata.Namespace ?? ObjectMeta.DefaultNamespace));
    }
}
