namespace Skein.Core.Identity;

/// <summary>Why an X.509-SVID was rejected; <see cref="None"/> means it was accepted.</summary>
public enum SvidFailureReason
{
    /// <summary>The SVID is valid.</summary>
    None = 0,

    /// <summary>The certificate has no URI subject alternative name, so it carries no SPIFFE ID.</summary>
    NoUriSan,

    /// <summary>The certificate has more than one URI SAN; the X.509-SVID spec requires rejecting it.</summary>
    MultipleUriSans,

    /// <summary>The single URI SAN is not a valid SPIFFE ID.</summary>
    InvalidSpiffeId,

    /// <summary>The SPIFFE ID has no path, which identifies a trust domain or CA, never a workload.</summary>
    MissingPath,

    /// <summary>An extension the validator must read (SAN, basic constraints, key usage) is malformed or duplicated.</summary>
    MalformedExtension,

    /// <summary>The leaf's basic constraints mark it as a CA.</summary>
    LeafIsCa,

    /// <summary>The leaf has no key usage extension, which every SVID must carry.</summary>
    MissingKeyUsage,

    /// <summary>The leaf's key usage lacks digitalSignature.</summary>
    MissingDigitalSignature,

    /// <summary>The leaf's key usage includes keyCertSign or cRLSign, which only signing certificates may set.</summary>
    SigningKeyUsage,

    /// <summary>No trust bundle is known for the SVID's trust domain.</summary>
    UnknownTrustDomain,

    /// <summary>The leaf, or a certificate in its chain, expired before the verification time.</summary>
    Expired,

    /// <summary>The leaf, or a certificate in its chain, is not valid until after the verification time.</summary>
    NotYetValid,

    /// <summary>The chain does not build to a root in the bundle of the SVID's own trust domain.</summary>
    UntrustedChain,
}
