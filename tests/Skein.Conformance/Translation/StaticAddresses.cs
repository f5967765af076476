using System.Net;
using System.Text.Json.Nodes;
using Skein.Conformance.Corpus;

namespace Skein.Conformance.Translation;

/// <summary>
/// The addresses the runner gives upstream's static-address tests (upstream's suite options UsableNetworkAddresses and
/// UnusableNetworkAddresses). As upstream's applier does, a Gateway's spec.addresses entry whose value is
/// PLACEHOLDER_USABLE_ADDRS or PLACEHOLDER_UNUSABLE_ADDRS becomes an IPAddress entry for the usable or unusable address;
/// status expectations may name the placeholders too.
/// </summary>
public sealed record StaticAddresses(IPAddress Usable, IPAddress Unusable)
{
    /// <summary>Stands for the usable addresses in upstream's manifests.</summary>
    public const string UsablePlaceholder = "PLACEHOLDER_USABLE_ADDRS";

    /// <summary>Stands for the unusable addresses in upstream's manifests.</summary>
    public const string UnusablePlaceholder = "PLACEHOLDER_UNUSABLE_ADDRS";

    private const string AddressType = "IPAddress";

    /// <summary>Whether <paramref name="text"/> holds a placeholder (cheap test before parsing a document).</summary>
    public static bool Mentions(string text) =>
        text.Contains(UsablePlaceholder, StringComparison.Ordinal) || text.Contains(UnusablePlaceholder, StringComparison.Ordinal);

    /// <summary>Replaces placeholder entries of a Gateway's spec.addresses in place; true when one was replaced.</summary>
    public bool Substitute(JsonObject gateway)
    {
        if (gateway["spec"]?["addresses"] is not JsonArray addresses)
        {
            return false;
        }

        var replaced = false;
        for (var i = 0; i < addresses.Count; i++)
        {
            if (For(addresses[i]?["value"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null) is { } address)
            {
                addresses[i] = new JsonObject { ["type"] = AddressType, ["value"] = address.ToString() };
                replaced = true;
            }
        }

        return replaced;
    }

    /// <summary><paramref name="expected"/> with placeholder address values resolved (typed IPAddress, as in the manifests).</summary>
    public StatusExpectation Resolve(StatusExpectation expected) => expected.Addresses is not { } addresses
        ? expected
        : expected with { Addresses = addresses.Select(a => For(a.Value) is { } ip ? new ExpectedAddress(AddressType, ip.ToString()) : a).ToList() };

    private IPAddress? For(string? value) => value switch
    {
        UsablePlaceholder => Usable,
        UnusablePlaceholder => Unusable,
        _ => null,
    };
}
