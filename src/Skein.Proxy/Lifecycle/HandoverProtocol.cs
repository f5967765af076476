using System.Globalization;
using System.Net;

namespace Skein.Proxy.Lifecycle;

/// <summary>The messages of the listener hand-over between a running proxy and its successor (one per SEQPACKET message).</summary>
/// <remarks>
/// <code>
/// new → old   SKEIN-HANDOVER 1 HELLO pid=N role=R
/// old → new   SKEIN-HANDOVER 1 OK pid=N role=R
/// old → new   LISTENER kind address port      (with the listening socket as SCM_RIGHTS), once per listener
/// old → new   END count
/// new → old   READY                           (config applied; it now accepts on the sockets)
/// old → new   RELEASED                        (stopped accepting, hand-over socket removed; it drains and exits)
/// </code>
/// A peer with another version answers with its own version in the first line, and the new process stops; so does
/// one of another role (a gateway pointed at a node proxy's socket). A greeting without a role is a node proxy's
/// (the first version of the protocol did not send one).
/// </remarks>
internal static class HandoverProtocol
{
    public const string Magic = "SKEIN-HANDOVER";
    public const int Version = 1;
    public const string Ready = "READY";
    public const string Released = "RELEASED";

    public static string Hello(int pid, string role) => $"{Magic} {Version} HELLO pid={pid} role={role}";

    public static string Ok(int pid, string role) => $"{Magic} {Version} OK pid={pid} role={role}";

    public static string Listener(ListenerKey key) =>
        $"LISTENER {key.Kind} {key.EndPoint.Address} {key.EndPoint.Port.ToString(CultureInfo.InvariantCulture)}";

    public static string End(int count) => $"END {count.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Reads a greeting (HELLO or OK): the peer's version, pid and role, or null when it is not a Skein hand-over message at all.</summary>
    public static (int Version, string Verb, int Pid, string Role)? ParseGreeting(string message)
    {
        var parts = message.Split(' ');
        if (parts.Length < 3 || parts[0] != Magic || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return null;
        }

        var pid = 0;
        var role = "node";
        foreach (var part in parts.AsSpan(3))
        {
            if (part.StartsWith("pid=", StringComparison.Ordinal))
            {
                _ = int.TryParse(part.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out pid);
            }
            else if (part.StartsWith("role=", StringComparison.Ordinal) && part.Length > 5)
            {
                role = part[5..];
            }
        }

        return (version, parts[2], pid, role);
    }

    /// <summary>Reads a LISTENER line; null when malformed.</summary>
    public static ListenerKey? ParseListener(string message)
    {
        var parts = message.Split(' ');
        return parts.Length == 4 && parts[0] == "LISTENER" && parts[1].Length > 0 &&
               IPAddress.TryParse(parts[2], out var address) &&
               int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? new ListenerKey(parts[1], new IPEndPoint(address, port))
            : null;
    }
}
