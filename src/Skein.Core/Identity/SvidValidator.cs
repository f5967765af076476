using System.Security.Cryptography.X509Certificates;

namespace Skein.Core.Identity;

/// <summary>Validates X.509-SVIDs per the SPIFFE X509-SVID specification (§5) against per-trust-domain bundles.</summary>
public static class SvidValidator
{
    // Chain statuses that only say "some certificate is outside its validity period"; any other
    // status is a trust failure, which is reported in preference to a time failure.
    private const X509ChainStatusFlags TimeFlags = X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotTimeNested;

    /// <summary>Reads the SPIFFE ID from the certificate's single URI SAN, without any trust or leaf checks.</summary>
    public static bool TryGetSpiffeId(X509Certificate2 cert, out SpiffeId id, out string error)
    {
        ArgumentNullException.ThrowIfNull(cert);
        return SvidCertificateFields.TryReadSpiffeId(cert, out id, out _, out error);
    }

    /// <summary>Validates what a TLS peer presented (the certificate and chain a validation callback receives), now.</summary>
    /// <remarks>The chain's extra store holds the peer's intermediates; trust comes only from <paramref name="bundles"/>.</remarks>
    public static SvidValidationResult ValidatePresented(X509Certificate? certificate, X509Chain? chain, TrustBundleSet bundles)
    {
        if (certificate is null)
        {
            return SvidValidationResult.Fail(SvidFailureReason.NoUriSan, "no certificate was presented");
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var intermediates = chain?.ChainPolicy.ExtraStore.Cast<X509Certificate2>()
            .Where(c => !c.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span)).ToList() ?? [];
        return Validate(leaf, intermediates, bundles, DateTimeOffset.UtcNow);
    }

    /// <summary>Validates a leaf SVID and its presented intermediates at time <paramref name="now"/>, returning the verified SPIFFE ID or the reason it was rejected.</summary>
    public static SvidValidationResult Validate(
        X509Certificate2 leaf,
        IReadOnlyList<X509Certificate2> intermediates,
        TrustBundleSet bundles,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(intermediates);
        ArgumentNullException.ThrowIfNull(bundles);

        if (!SvidCertificateFields.TryReadSpiffeId(leaf, out var id, out var reason, out var error))
        {
            return SvidValidationResult.Fail(reason, error);
        }

        // X509-SVID §3.1/§5.2: an ID without a path names a trust domain (or a CA), never a workload.
        if (id.Path.Length == 0)
        {
            return SvidValidationResult.Fail(SvidFailureReason.MissingPath, $"SPIFFE ID {id} has no path; leaf SVIDs must identify a workload");
        }

        var shapeFailure = CheckLeafShape(leaf);
        if (shapeFailure is not null)
        {
            return shapeFailure;
        }

        // Only the SVID's own trust domain may vouch for it; trusting the union of all bundles
        // would let any federated domain mint identities in ours.
        if (!bundles.TryGetRoots(id.TrustDomain, out var roots))
        {
            return SvidValidationResult.Fail(SvidFailureReason.UnknownTrustDomain, $"no trust bundle for trust domain '{id.TrustDomain}'");
        }

        var timeFailure = CheckValidityPeriod(leaf, "leaf certificate", now);
        if (timeFailure is not null)
        {
            return timeFailure;
        }

        return VerifyChain(leaf, intermediates, roots, id, now);
    }

    // X509-SVID §5.2: the leaf must not be able to act as a signing certificate, and §4.3: it must
    // carry key usage with digitalSignature.
    private static SvidValidationResult? CheckLeafShape(X509Certificate2 leaf)
    {
        if (!SvidCertificateFields.TryReadIsCa(leaf, out var isCa, out var error))
        {
            return SvidValidationResult.Fail(SvidFailureReason.MalformedExtension, error);
        }

        if (isCa)
        {
            return SvidValidationResult.Fail(SvidFailureReason.LeafIsCa, "leaf certificate has basic constraints cA=true; an SVID used for authentication must not be a CA");
        }

        if (!SvidCertificateFields.TryReadKeyUsage(leaf, out var usages, out error))
        {
            return SvidValidationResult.Fail(SvidFailureReason.MalformedExtension, error);
        }

        if (usages is not { } flags)
        {
            return SvidValidationResult.Fail(SvidFailureReason.MissingKeyUsage, "leaf certificate has no key usage extension; every SVID must set one");
        }

        if ((flags & (X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign)) != 0)
        {
            return SvidValidationResult.Fail(SvidFailureReason.SigningKeyUsage, $"leaf key usage ({flags}) includes keyCertSign or cRLSign, which only signing certificates may set");
        }

        if ((flags & X509KeyUsageFlags.DigitalSignature) == 0)
        {
            return SvidValidationResult.Fail(SvidFailureReason.MissingDigitalSignature, $"leaf key usage ({flags}) lacks digitalSignature");
        }

        return null;
    }

    private static SvidValidationResult? CheckValidityPeriod(X509Certificate2 cert, string what, DateTimeOffset now)
    {
        // NotBefore/NotAfter are local-kind DateTimes; DateTimeOffset keeps the comparison zone-safe.
        var notBefore = new DateTimeOffset(cert.NotBefore);
        var notAfter = new DateTimeOffset(cert.NotAfter);
        if (now > notAfter)
        {
            return SvidValidationResult.Fail(SvidFailureReason.Expired, $"{what} expired at {notAfter.UtcDateTime:O} (verification time {now.UtcDateTime:O})");
        }

        if (now < notBefore)
        {
            return SvidValidationResult.Fail(SvidFailureReason.NotYetValid, $"{what} is not valid until {notBefore.UtcDateTime:O} (verification time {now.UtcDateTime:O})");
        }

        return null;
    }

    private static SvidValidationResult VerifyChain(
        X509Certificate2 leaf,
        IReadOnlyList<X509Certificate2> intermediates,
        IReadOnlyList<X509Certificate2> roots,
        SpiffeId id,
        DateTimeOffset now)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        foreach (var root in roots)
        {
            policy.CustomTrustStore.Add(root);
        }

        // Presented intermediates are only path-building candidates; they are not trusted by
        // being here, since trust comes solely from CustomTrustStore.
        foreach (var intermediate in intermediates)
        {
            policy.ExtraStore.Add(intermediate);
        }

        // Revocation is not part of SPIFFE (short-lived SVIDs instead), and fetching issuers from
        // AIA URLs would let a peer's certificate make the proxy issue network requests.
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = now.UtcDateTime;
        policy.VerificationTimeIgnored = false;

        try
        {
            if (!chain.Build(leaf))
            {
                return DescribeChainFailure(chain, id, now);
            }

            // Defence in depth: CustomRootTrust already guarantees this, but the whole point of the
            // check is that the anchor is one of this trust domain's roots, so confirm it explicitly.
            var anchor = chain.ChainElements[^1].Certificate;
            if (!roots.Any(r => r.RawDataMemory.Span.SequenceEqual(anchor.RawDataMemory.Span)))
            {
                return SvidValidationResult.Fail(SvidFailureReason.UntrustedChain, $"chain for {id} ends at '{anchor.Subject}', which is not a root of trust domain '{id.TrustDomain}'");
            }

            return SvidValidationResult.Success(id);
        }
        finally
        {
            // Chain elements are fresh certificate instances owned by us, not the caller's objects.
            foreach (var element in chain.ChainElements)
            {
                element.Certificate.Dispose();
            }
        }
    }

    private static SvidValidationResult DescribeChainFailure(X509Chain chain, SpiffeId id, DateTimeOffset now)
    {
        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, static (all, s) => all | s.Status);
        if ((flags & ~TimeFlags) == X509ChainStatusFlags.NoError)
        {
            // Purely a time problem: name the CA certificate that is out of its validity period.
            for (var i = 1; i < chain.ChainElements.Count; i++)
            {
                var cert = chain.ChainElements[i].Certificate;
                var failure = CheckValidityPeriod(cert, $"CA certificate '{cert.Subject}'", now);
                if (failure is not null)
                {
                    return failure;
                }
            }
        }

        return SvidValidationResult.Fail(
            SvidFailureReason.UntrustedChain,
            $"certificate chain for {id} does not verify against the bundle of trust domain '{id.TrustDomain}' ({flags})");
    }
}
