using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Skein.KubeApi.Emulator;

/// <summary>What a bearer token stands for: the admin, or a ServiceAccount (optionally bound to a pod).</summary>
public sealed record TokenSubject(string Username, string? Namespace, string? ServiceAccount, string? PodName, string? PodUid, string? NodeName, string[] Audiences);

/// <summary>Bearer tokens: the admin token given on the command line and ServiceAccount tokens minted by TokenRequest.</summary>
/// <remarks>
/// Real ServiceAccount tokens are signed JWTs; here they are opaque random strings looked up in memory, which is
/// all TokenReview needs (the token's holder never parses it). They do not survive a restart of the emulator.
/// </remarks>
public sealed class Tokens(string adminToken)
{
    private readonly ConcurrentDictionary<string, TokenSubject> _issued = new(StringComparer.Ordinal);

    public TokenSubject? Authenticate(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        if (CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(token), System.Text.Encoding.UTF8.GetBytes(adminToken)))
        {
            return new TokenSubject("admin", null, null, null, null, null, []);
        }

        return _issued.GetValueOrDefault(token);
    }

    /// <summary>Mints a token for a ServiceAccount; a bound Pod adds the pod's name, uid and node as the real API server does.</summary>
    public string Issue(string ns, string serviceAccount, JsonObject? boundPod, string[] audiences)
    {
        var token = "sa." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var podMeta = boundPod?["metadata"];
        _issued[token] = new TokenSubject(
            $"system:serviceaccount:{ns}:{serviceAccount}", ns, serviceAccount,
            podMeta?["name"]?.GetValue<string>(), podMeta?["uid"]?.GetValue<string>(),
            boundPod?["spec"]?["nodeName"]?.GetValue<string>(), audiences);
        return token;
    }
}
