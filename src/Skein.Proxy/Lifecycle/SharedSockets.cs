using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Skein.Proxy.Lifecycle;

/// <summary>Closing this process's descriptor of a listening socket another process also holds, without ending the socket for both.</summary>
/// <remarks>
/// When a close finds an operation still in flight, .NET on Linux first shuts the socket down to unblock it (for a
/// listening TCP socket that stops listening: for every process holding it). It skips that for descriptors without
/// FD_CLOEXEC, which it takes to be shared with other processes, so the flag is cleared before the close; the
/// descriptor is closed a moment later, so nothing can inherit it through an exec in between that matters.
/// </remarks>
internal static partial class SharedSockets
{
    private const int FGetFd = 1; // F_GETFD
    private const int FSetFd = 2; // F_SETFD

    public static void CloseDescriptor(Socket socket)
    {
        var added = false;
        try
        {
            socket.SafeHandle.DangerousAddRef(ref added);
            var fd = (int)socket.SafeHandle.DangerousGetHandle();
            if (OperatingSystem.IsLinux() && Fcntl(fd, FGetFd, 0) >= 0)
            {
                _ = Fcntl(fd, FSetFd, 0);
            }
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        finally
        {
            if (added)
            {
                socket.SafeHandle.DangerousRelease();
            }
        }

        socket.Dispose();
    }

    // fcntl is variadic; with integer arguments only, the fixed-argument call is what C passes on x64 and arm64 Linux.
    [LibraryImport("libc.so.6", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);
}
