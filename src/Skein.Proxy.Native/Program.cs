using System.CommandLine;
using Skein.Cli.Commands;
using Skein.Core.Hosting;

// `skein-proxy`: the node role of `skein proxy`, compiled ahead of time.

// Before the first socket: see ProcessTuning.ForNodeProxy.
ProcessTuning.ForNodeProxy();
GlibcArenas.Limit();

var root = ProxyCommand.Configure(new RootCommand("Skein node proxy (ahead-of-time build of `skein proxy --role node`): capture, HBONE mTLS tunnels, L4 policy, access logs."), ["node"]);
var parsed = root.Parse(args);
return await parsed.InvokeAsync(ProxyCommand.Invocation(parsed));

/// <summary>Caps glibc's malloc arenas for this process (what <c>MALLOC_ARENA_MAX=2</c> does), unless the operator set it.</summary>
/// <remarks>
/// glibc gives each thread that allocates under contention an arena of its own, up to eight per core, and keeps
/// what each one grew to. Here the native allocations are OpenSSL's, made on whichever socket-engine or pool thread
/// runs a TLS read or write, so every thread the pool injects under load got one: a few hundred KiB of RSS each.
/// Two arenas are plenty for two socket-engine threads. Must run before other threads allocate.
/// </remarks>
internal static partial class GlibcArenas
{
    private const int MArenaMax = -8; // M_ARENA_MAX in <malloc.h>

    public static void Limit()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null)
        {
            return;
        }

        try
        {
            _ = Mallopt(MArenaMax, 2);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl has no arenas to cap).
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);
}
