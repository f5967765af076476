using System.Net;

namespace Skein.Integration.Tests.Infrastructure;

/// <summary>Hands each test its own 127.x.y.0/24 so the default ports never clash between tests or runs.</summary>
public static class Loopback
{
    private static int _next = (Environment.ProcessId % 200) * 50;

    /// <summary>A fresh block: <c>Host(1)</c> is 127.a.b.1 and so on.</summary>
    public static LoopbackBlock NextBlock()
    {
        var n = Interlocked.Increment(ref _next) % (200 * 250);
        return new LoopbackBlock(60 + (n / 250), 1 + (n % 250));
    }
}

/// <summary>A /24 of loopback addresses reserved for one test.</summary>
public sealed record LoopbackBlock(int A, int B)
{
    public IPAddress Host(int last) => IPAddress.Parse($"127.{A}.{B}.{last}");
}
