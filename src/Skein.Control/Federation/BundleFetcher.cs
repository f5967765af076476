using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Skein.Core.Identity;
using Skein.Core.Resources;

namespace Skein.Control.Federation;

/// <summary>Fetches a peer's bundle from its SPIFFE bundle endpoint, authenticating the endpoint as the profile says.</summary>
/// <remarks>
/// https_web: the endpoint's certificate must pass ordinary Web PKI validation (system roots, host name).
/// https_spiffe: it must be an X.509-SVID with exactly the configured endpoint SPIFFE ID that verifies against
/// the bundle already held for the peer (the bootstrap bundle at first); host names are not checked, as the
/// SPIFFE profile says.
/// </remarks>
public static class BundleFetcher
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Downloads and decodes the bundle; throws <see cref="BundleFetchException"/> with the reason on any failure.</summary>
    public static async Task<SpiffeBundle> FetchAsync(MeshFederationSpec spec, IReadOnlyList<X509Certificate2>? heldRoots, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { ConnectTimeout = Timeout, AllowAutoRedirect = false, UseProxy = false };
        string? endpointError = null;
        if (spec.BundleEndpointProfile == BundleEndpointProfile.HttpsSpiffe)
        {
            if (heldRoots is not { Count: > 0 })
            {
                throw new BundleFetchException("NoBootstrapBundle", "https_spiffe needs the peer's current roots to authenticate its endpoint: set spec.trustBundle or spec.trustBundleFile");
            }

            var peer = new TrustBundleSet();
            peer.Set(spec.TrustDomain, heldRoots);
            var expected = spec.EndpointSPIFFEID ?? "";
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                endpointError = CheckEndpoint(certificate, chain, peer, expected);
                return endpointError is null;
            };
        }

        using var http = new HttpClient(handler) { Timeout = Timeout, MaxResponseContentBufferSize = SpiffeBundleJson.MaxDocumentBytes };
        byte[] body;
        try
        {
            using var response = await http.GetAsync(spec.BundleEndpointURL, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new BundleFetchException("FetchFailed", $"GET {spec.BundleEndpointURL} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            body = await response.Content.ReadAsByteArrayAsync(ct);
        }
        catch (HttpRequestException e)
        {
            throw endpointError is not null
                ? new BundleFetchException("EndpointNotAuthenticated", $"the bundle endpoint {spec.BundleEndpointURL} is not {spec.EndpointSPIFFEID}: {endpointError}")
                : new BundleFetchException("FetchFailed", $"GET {spec.BundleEndpointURL} failed: {Flatten(e)}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new BundleFetchException("FetchFailed", $"GET {spec.BundleEndpointURL} timed out after {Timeout.TotalSeconds:0} s");
        }

        try
        {
            return SpiffeBundleJson.Decode(body);
        }
        catch (SpiffeBundleFormatException e)
        {
            throw new BundleFetchException("InvalidBundle", $"{spec.BundleEndpointURL} did not return a SPIFFE bundle: {e.Message}");
        }
    }

    /// <summary>Null when the presented certificate is an SVID of <paramref name="expected"/> under the peer's bundle, else why not.</summary>
    public static string? CheckEndpoint(X509Certificate? certificate, X509Chain? chain, TrustBundleSet peer, string expected)
    {
        var result = SvidValidator.ValidatePresented(certificate, chain, peer);
        if (!result.IsValid)
        {
            return result.Message;
        }

        return result.Id.ToString() == expected ? null : $"it presented {result.Id}";
    }

    private static string Flatten(Exception e) => e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
}

/// <summary>A failed bundle fetch: <see cref="Reason"/> is the condition reason, the message says what happened.</summary>
public sealed class BundleFetchException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;
}
