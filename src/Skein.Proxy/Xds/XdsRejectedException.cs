namespace Skein.Proxy.Xds;

/// <summary>A pushed resource this proxy cannot apply; its message becomes the NACK's error_detail.</summary>
public sealed class XdsRejectedException(string message) : Exception(message);
