using System.Globalization;
using System.Net;

namespace Skein.Proxy.Lifecycle;

/// <summary>The messages of the listener hand-over between a running node proxy and its successor (one per SEQPACKET message).</summary>
/// <remarks>
/// <code>
/// new → old   SKEIN-HANDOVER 1 HELLO pid=N
/// old → new   SKEIN-HANDOVER 1 OK pid=N
/// old → new   LISTENER kind address port      (with the listening socket as SCM_RIGHTS), once per listener
/// old → new   END count
/// new → old   READY                           (config applied; it now accepts on the sockets)
/// old → new   RELEASED                        (stopped accepting, hand-over socket removed; it drains and exits)
/// </code>
/// A peer with another version answers with its own version in the first line, and the new process stops.
/// </remarks>
internal static class HandoverProtocol
{
    public const string Magic = "SKEIN-HANDOVER";
    public const int Version = 1;
    public const string Ready = "READY";
    public const string Released = "RELEASED";

    public static string Hello(int pid) => $"{Magic} {Version} HELLO pid={pid}";

    public static string Ok(int pid) => $"{Magic} {Version} OK pid={pid}";

    public static string Listener(ListenerKey key) =>
        $"LISTENER {key.Kind} {key.EndPoint.Address} {key.EndPoint.Port.ToString(CultureInfo.InvariantCulture)}";

    public static string End(int count) => $"END {count.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Reads a greeting (HELLO or OK): the peer's version and pid, or null when it is not a Skein hand-over message at all.</summary>
    public static (int Version, string Verb, int Pid)? ParseGreeting(string message)
    {
        var parts = message.Split(' ');
        if (parts.Length < 3 || parts[0] != Magic || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return null;
        }

        var pid = 0;
        if (parts.Length > 3 && parts[3].StartsWith("pid=", StringComparison.Ordinal))
        {
            _ = int.TryParse(parts[3].AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out pid);
        }

        return (version, parts[2], pid);
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
