namespace Skein.Proxy.Hbone;

/// <summary>A header block could not be decoded; HTTP/2 turns this into a COMPRESSION_ERROR connection error.</summary>
internal sealed class HpackException(string message) : Exception(message);
