using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Skein.Control.Store;
using Skein.Core.Identity;
using Skein.Core.Protos.Ca;

namespace Skein.Control.Ca;

/// <summary><c>istio.v1.auth.IstioCertificateService/CreateCertificate</c> with node-scoped authorization.</summary>
/// <remarks>
/// A proxy may obtain the identity of a workload only while a Workload placed on its node has that
/// namespace and service account, or a Gateway placed on its node has that namespace and name. Anything else is denied and logged: a compromised node cannot mint
/// identities for the rest of the mesh.
/// </remarks>
public sealed class CertificateService(
    CertificateAuthority ca,
    NodeAuthenticator authenticator,
    ConfigStore store,
    Compiler.MeshCompiler compiler,
    CaStatistics statistics,
    ControlPlaneOptions options,
    ILogger<CertificateService> logger) : IstioCertificateService.IstioCertificateServiceBase
{
    public override async Task<IstioCertificateResponse> CreateCertificate(IstioCertificateRequest request, ServerCallContext context)
    {
        var node = await authenticator.AuthenticateAsync(context);
        CertificateRequest csr;
        try
        {
            csr = CertificateRequest.LoadSigningRequestPem(request.Csr, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw Deny(StatusCode.InvalidArgument, node, "?", $"the CSR is not a valid PEM PKCS#10 request: {e.Message}");
        }

        var requested = request.Metadata?.Fields.TryGetValue("ImpersonatedIdentity", out var impersonated) == true
            ? impersonated.StringValue
            : UriSanOf(csr);
        var error = "the CSR has no URI SAN and no ImpersonatedIdentity was given";
        var id = default(SpiffeId);
        if (requested is null || !SpiffeId.TryParse(requested, out id, out error))
        {
            throw Deny(StatusCode.InvalidArgument, node, requested ?? "(none)", $"no valid SPIFFE ID requested: {error}");
        }

        if (id.TrustDomain != ca.TrustDomain)
        {
            throw Deny(StatusCode.PermissionDenied, node, id.ToString(), $"this CA issues identities of trust domain {ca.TrustDomain} only");
        }

        if (!id.TryGetWorkload(out var ns, out var serviceAccount))
        {
            throw Deny(StatusCode.PermissionDenied, node, id.ToString(), "only workload identities (/ns/<namespace>/sa/<service account>) are issued");
        }

        var snapshot = store.Current;
        if (!NodeIdentityGrants.Allows(snapshot, compiler.GatewayApi(snapshot), node, ns, serviceAccount, out var denial))
        {
            throw Deny(StatusCode.PermissionDenied, node, id.ToString(), denial);
        }

        var requestedTtl = request.ValidityDuration > 0 ? TimeSpan.FromSeconds(request.ValidityDuration) : options.WorkloadCertTtl;
        var ttl = requestedTtl < options.WorkloadCertTtl ? requestedTtl : options.WorkloadCertTtl;
        using var leaf = ca.Issue(csr.PublicKey, id, ttl);
        statistics.Issued(leaf.NotAfter, id.ToString(), node);
        logger.LogInformation("issued {Id} to node {Node}, valid until {NotAfter:u}", id, node, leaf.NotAfter.ToUniversalTime());
        var response = new IstioCertificateResponse();
        response.CertChain.AddRange(ca.ChainPem(leaf));
        return response;
    }

    private RpcException Deny(StatusCode code, string node, string requested, string reason)
    {
        statistics.Denied();
        logger.LogWarning("denied certificate for {Requested} to node {Node}: {Reason}", requested, node, reason);
        return new RpcException(new Status(code, reason));
    }

    private static string? UriSanOf(CertificateRequest csr)
    {
        var san = csr.CertificateExtensions.FirstOrDefault(e => e.Oid?.Value == "2.5.29.17");
        if (san is null)
        {
            return null;
        }

        var reader = new System.Formats.Asn1.AsnReader(san.RawData, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        while (reader.HasData)
        {
            var tag = reader.PeekTag();
            if (tag.TagClass == System.Formats.Asn1.TagClass.ContextSpecific && tag.TagValue == 6)
            {
                return reader.ReadCharacterString(System.Formats.Asn1.UniversalTagNumber.IA5String, tag);
            }

            reader.ReadEncodedValue();
        }

        return null;
    }
}
