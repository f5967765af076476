using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Skein.Proxy.Lifecycle;

/// <summary>One end of a hand-over connection: a Unix SOCK_SEQPACKET socket carrying short text messages, each optionally with one socket descriptor.</summary>
/// <remarks>
/// The descriptors travel as SCM_RIGHTS ancillary data, which .NET's Socket API cannot send or receive (it has no
/// sendmsg/recvmsg with control messages), so the two calls are made directly through P/Invoke. SEQPACKET keeps
/// message boundaries, so a descriptor always arrives with the message that describes it. Calls never block the
/// socket: they use MSG_DONTWAIT and wait for readiness with <see cref="Socket.Poll(int, SelectMode)"/> on a pool thread.
/// </remarks>
internal sealed partial class HandoverChannel(Socket socket) : IDisposable
{
    private const int MaxMessage = 1024;
    private const int SolSocket = 1; // SOL_SOCKET
    private const int ScmRights = 1; // SCM_RIGHTS
    private const int MsgDontWait = 0x40; // MSG_DONTWAIT
    private const int MsgCtrunc = 0x08; // MSG_CTRUNC
    private const int MsgNoSignal = 0x4000; // MSG_NOSIGNAL
    private const int MsgCmsgCloexec = 0x40000000; // MSG_CMSG_CLOEXEC
    private const int EAgain = 11;
    private const int EIntr = 4;

    // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } on 64-bit Linux: 16 bytes, data after it.
    private static readonly int HeaderSize = Marshal.SizeOf<ControlHeader>();

    // CMSG_SPACE(sizeof(int)): the header plus one int, padded to size_t.
    private static readonly int ControlSpace = HeaderSize + IntPtr.Size;

    public Socket Socket { get; } = socket;

    /// <summary>Connects to the hand-over socket at <paramref name="path"/>.</summary>
    public static HandoverChannel Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return new HandoverChannel(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends one message, with <paramref name="descriptorOf"/>'s descriptor attached when given (the kernel duplicates it into the receiver).</summary>
    public Task SendAsync(string message, Socket? descriptorOf, TimeSpan timeout) => Task.Run(() => Send(message, descriptorOf, timeout));

    /// <summary>Receives one message and the socket that came with it, if any; null at end of stream.</summary>
    public Task<(string Message, Socket? Socket)?> ReceiveAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Task.Run(() => Receive(timeout, cancellationToken), cancellationToken);

    private unsafe void Send(string message, Socket? descriptorOf, TimeSpan timeout)
    {
        var payload = Encoding.ASCII.GetBytes(message);
        if (payload.Length > MaxMessage)
        {
            throw new ArgumentException("hand-over message too long", nameof(message));
        }

        var addedSocket = false;
        var addedFd = false;
        try
        {
            Socket.SafeHandle.DangerousAddRef(ref addedSocket);
            var fd = -1;
            if (descriptorOf is not null)
            {
                descriptorOf.SafeHandle.DangerousAddRef(ref addedFd);
                fd = (int)descriptorOf.SafeHandle.DangerousGetHandle();
            }

            var control = stackalloc byte[ControlSpace];
            new Span<byte>(control, ControlSpace).Clear();
            fixed (byte* data = payload)
            {
                var iov = new IoVector { Base = data, Length = (nuint)payload.Length };
                var header = new MessageHeader { Iov = &iov, IovLength = 1 };
                if (fd >= 0)
                {
                    var cmsg = (ControlHeader*)control;
                    cmsg->Length = (nuint)(HeaderSize + sizeof(int));
                    cmsg->Level = SolSocket;
                    cmsg->Type = ScmRights;
                    *(int*)(control + HeaderSize) = fd;
                    header.Control = control;
                    header.ControlLength = (nuint)ControlSpace;
                }

                var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
                while (true)
                {
                    var sent = SendMessage((int)Socket.SafeHandle.DangerousGetHandle(), &header, MsgDontWait | MsgNoSignal);
                    if (sent >= 0)
                    {
                        return;
                    }

                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EIntr)
                    {
                        continue;
                    }

                    if (errno != EAgain)
                    {
                        throw new SocketException(errno);
                    }

                    WaitFor(SelectMode.SelectWrite, deadline, CancellationToken.None);
                }
            }
        }
        finally
        {
            if (addedFd)
            {
                descriptorOf!.SafeHandle.DangerousRelease();
            }

            if (addedSocket)
            {
                Socket.SafeHandle.DangerousRelease();
            }
        }
    }

    private unsafe (string, Socket?)? Receive(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var added = false;
        try
        {
            Socket.SafeHandle.DangerousAddRef(ref added);
            var buffer = stackalloc byte[MaxMessage];
            var control = stackalloc byte[ControlSpace * 4];
            var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            while (true)
            {
                new Span<byte>(control, ControlSpace * 4).Clear();
                var iov = new IoVector { Base = buffer, Length = MaxMessage };
                var header = new MessageHeader { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)(ControlSpace * 4) };
                var received = ReceiveMessage((int)Socket.SafeHandle.DangerousGetHandle(), &header, MsgDontWait | MsgCmsgCloexec);
                if (received < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EIntr)
                    {
                        continue;
                    }

                    if (errno != EAgain)
                    {
                        throw new SocketException(errno);
                    }

                    WaitFor(SelectMode.SelectRead, deadline, cancellationToken);
                    continue;
                }

                var descriptors = ReadDescriptors(control, header.ControlLength);
                if (received == 0 && descriptors.Count == 0)
                {
                    return null;
                }

                if ((header.Flags & MsgCtrunc) != 0 || descriptors.Count > 1)
                {
                    foreach (var extra in descriptors)
                    {
                        using var _ = new Socket(new SafeSocketHandle(extra, ownsHandle: true));
                    }

                    throw new IOException("hand-over message carried more than one descriptor");
                }

                var socket = descriptors.Count == 1 ? new Socket(new SafeSocketHandle(descriptors[0], ownsHandle: true)) : null;
                return (Encoding.ASCII.GetString(buffer, (int)received), socket);
            }
        }
        finally
        {
            if (added)
            {
                Socket.SafeHandle.DangerousRelease();
            }
        }
    }

    private static unsafe List<nint> ReadDescriptors(byte* control, nuint length)
    {
        var descriptors = new List<nint>();
        var offset = 0;
        while (offset + HeaderSize <= (int)length)
        {
            var cmsg = (ControlHeader*)(control + offset);
            if ((int)cmsg->Length < HeaderSize)
            {
                break;
            }

            if (cmsg->Level == SolSocket && cmsg->Type == ScmRights)
            {
                var count = ((int)cmsg->Length - HeaderSize) / sizeof(int);
                for (var i = 0; i < count; i++)
                {
                    descriptors.Add(((int*)(control + offset + HeaderSize))[i]);
                }
            }

            offset += ((int)cmsg->Length + IntPtr.Size - 1) & ~(IntPtr.Size - 1);
        }

        return descriptors;
    }

    private void WaitFor(SelectMode mode, long deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                throw new TimeoutException("the other process did not answer on the hand-over socket");
            }

            // Short polls so cancellation is noticed.
            if (Socket.Poll((int)Math.Min(left, 200) * 1000, mode))
            {
                return;
            }
        }
    }

    public void Dispose() => Socket.Dispose();

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    // struct msghdr as glibc lays it out on 64-bit Linux.
    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ControlHeader
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    [LibraryImport("libc.so.6", EntryPoint = "sendmsg", SetLastError = true)]
    private static unsafe partial nint SendMessage(int socket, MessageHeader* message, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "recvmsg", SetLastError = true)]
    private static unsafe partial nint ReceiveMessage(int socket, MessageHeader* message, int flags);
}
