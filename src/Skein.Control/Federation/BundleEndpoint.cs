using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Skein.Core.Identity;

namespace Skein.Control.Federation;

/// <summary>The SPIFFE bundle endpoint: GET <c>/.well-known/spiffe-bundle</c> returns this trust domain's bundle as a JWK Set.</summary>
/// <remarks>
/// Served on the bundle port over TLS with the control plane's SVID (profile https_spiffe: peers check it
/// against the bundle they already hold) and, for inspection, on the plaintext REST API port. A bundle is
/// public data, so neither asks for a client certificate.
/// </remarks>
public static class BundleEndpoint
{
    public const string Path = "/.well-known/spiffe-bundle";

    public static void Map(IEndpointRouteBuilder app, params string[] hosts) =>
        app.MapGet(Path, (LocalBundle bundle) => Results.Bytes(bundle.Document, SpiffeBundleJson.MediaType)).RequireHost(hosts);
}
