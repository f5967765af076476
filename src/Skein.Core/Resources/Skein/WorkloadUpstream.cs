namespace Skein.Core.Resources;

/// <summary>A service the node proxy exposes to the workload on a local port.</summary>
public sealed class WorkloadUpstream
{
    /// <summary>"name" (same namespace as the workload) or "name.namespace".</summary>
    [Required]
    public string Service { get; set; } = "";

    /// <summary>The service port to reach.</summary>
    [Required]
    [Range(1, 65535)]
    public int Port { get; set; }

    /// <summary>The local port the proxy listens on for the workload.</summary>
    [Required]
    [Range(1, 65535)]
    public int LocalPort { get; set; }

    /// <summary>Local address to listen on; 127.0.0.1 when absent.</summary>
    [Format(FieldFormat.IpAddress)]
    public string? BindAddress { get; set; }
}
