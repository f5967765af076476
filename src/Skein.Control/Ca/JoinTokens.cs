using System.Security.Cryptography;
using System.Text;

namespace Skein.Control.Ca;

/// <summary>Node credentials in embedded mode: <c>skein1.&lt;node&gt;.&lt;mac&gt;</c>, an HMAC of the node name under a key kept in the state directory.</summary>
/// <remarks>
/// A token names the one node it was made for, so a stolen token lets its holder act as that node only
/// (and obtain only the identities of workloads placed there), never as the whole mesh. Nothing per node
/// is stored: any node's token can be derived and checked from the one key.
/// </remarks>
public sealed class JoinTokens
{
    private const string Prefix = "skein1";
    private readonly byte[] _key;

    private JoinTokens(byte[] key) => _key = key;

    public static string KeyPath(string stateDirectory) => Path.Combine(stateDirectory, "join-token.key");

    /// <summary>Loads the key, creating it on first start.</summary>
    public static JoinTokens LoadOrCreate(string stateDirectory)
    {
        var path = KeyPath(stateDirectory);
        if (!File.Exists(path))
        {
            StateFiles.WritePrivate(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
        }

        return Load(stateDirectory);
    }

    /// <summary>Loads an existing key (for <c>skein token</c>); throws when the control plane has not created it yet.</summary>
    public static JoinTokens Load(string stateDirectory)
    {
        var path = KeyPath(stateDirectory);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no join-token key at {path}: start `skein control --state {stateDirectory}` once first", path);
        }

        return new JoinTokens(Convert.FromBase64String(File.ReadAllText(path).Trim()));
    }

    /// <summary>True for strings shaped like a join token (whether or not genuine), so they are never sent to TokenReview.</summary>
    public static bool LooksLikeJoinToken(string token) => token.StartsWith(Prefix + ".", StringComparison.Ordinal);

    public string TokenFor(string node) => $"{Prefix}.{node}.{Mac(node)}";

    /// <summary>Returns the node a token was made for, or null when the token is malformed or forged.</summary>
    public string? Validate(string? token)
    {
        var parts = token?.Split('.');
        if (parts is not [Prefix, .. var middle, var mac] || middle.Length == 0)
        {
            return null;
        }

        var node = string.Join('.', middle);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Mac(node)), Encoding.ASCII.GetBytes(mac)) ? node : null;
    }

    private string Mac(string node) => Base64Url(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(node)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
