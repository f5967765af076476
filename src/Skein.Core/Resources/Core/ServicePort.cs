namespace Skein.Core.Resources;

/// <summary>One port of a Service.</summary>
public sealed class ServicePort
{
    /// <summary>Port name; required when the Service has more than one port.</summary>
    [Format(FieldFormat.DnsLabel)]
    public string? Name { get; set; }

    /// <summary>Transport protocol.</summary>
    public ServiceProtocol Protocol { get; set; } = ServiceProtocol.TCP;

    /// <summary>Application protocol hint, e.g. http, kubernetes.io/h2c, kubernetes.io/ws.</summary>
    public string? AppProtocol { get; set; }

    /// <summary>The port clients connect to.</summary>
    [Required]
    [Range(1, 65535)]
    public int Port { get; set; }

    /// <summary>The workload port (number or named container port); defaults to port.</summary>
    public IntOrString? TargetPort { get; set; }

    /// <summary>Node port for NodePort and LoadBalancer Services.</summary>
    [Range(1, 65535)]
    public int? NodePort { get; set; }
}

/// <summary>Service port transport protocols.</summary>
public enum ServiceProtocol
{
    /// <summary>TCP (the default).</summary>
    TCP,

    /// <summary>UDP.</summary>
    UDP,

    /// <summary>SCTP.</summary>
    SCTP,
}
