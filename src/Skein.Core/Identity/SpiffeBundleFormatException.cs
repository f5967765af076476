namespace Skein.Core.Identity;

/// <summary>A SPIFFE bundle document that is not a usable JWK Set; the message says which key and why.</summary>
public sealed class SpiffeBundleFormatException(string message) : FormatException(message);
