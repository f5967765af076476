using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Skein.Proxy.L7.Forwarding;

/// <summary>How a request's body can go to its mirrors.</summary>
public enum MirrorBodyKind
{
    /// <summary>The request has no body: mirrors are sent without one.</summary>
    None,

    /// <summary>The body was captured: every mirror carries a copy.</summary>
    Captured,

    /// <summary>The body exceeds <see cref="MirrorBody.MaxBytes"/> (or could not be read): the request is not mirrored.</summary>
    Skipped,
}

/// <summary>
/// A request body captured for mirrors, in one pooled buffer shared by every copy and returned to the pool when
/// the last mirror (and the pipeline, which holds the first reference) releases it.
/// </summary>
/// <remarks>
/// Mirrors are fire-and-forget and outlive the request, so they cannot stream the body the backend is reading.
/// The body is read up front (the request goes on from a rewound buffer, see
/// <see cref="Microsoft.AspNetCore.Http.HttpRequestRewindExtensions"/>), at most <see cref="MaxBytes"/>: a
/// larger body, declared by Content-Length or found while reading, is not mirrored at all (a truncated copy
/// would be a different request), counted as l7.mirror.body_too_large. Capturing delays forwarding until a
/// small body has arrived; bodies above the cap with a known length are never read ahead.
/// </remarks>
public sealed class MirrorBody
{
    /// <summary>The largest body mirrored: 1 MiB.</summary>
    public const int MaxBytes = 1 << 20;

    private const int InitialUnknownLength = 16 * 1024;

    private static readonly MirrorBody NoBody = new(MirrorBodyKind.None, null, 0);
    private static readonly MirrorBody Skip = new(MirrorBodyKind.Skipped, null, 0);

    private byte[]? _buffer;
    private int _references = 1;

    private MirrorBody(MirrorBodyKind kind, byte[]? buffer, int length)
    {
        Kind = kind;
        _buffer = buffer;
        Length = length;
    }

    public MirrorBodyKind Kind { get; }

    public int Length { get; }

    /// <summary>The captured bytes; valid while a reference is held.</summary>
    public ReadOnlyMemory<byte> Content => _buffer is { } buffer ? buffer.AsMemory(0, Length) : ReadOnlyMemory<byte>.Empty;

    /// <summary>Reads <paramref name="request"/>'s body for mirroring (up to <paramref name="maxBytes"/>) and rewinds it for the backend.</summary>
    public static async Task<MirrorBody> CaptureAsync(HttpRequest request, CancellationToken ct, int maxBytes = MaxBytes)
    {
        var canHaveBody = request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? request.ContentLength > 0;
        if (!canHaveBody || request.ContentLength == 0)
        {
            return NoBody;
        }

        if (request.ContentLength > maxBytes)
        {
            return Skip;
        }

        // Kept in memory up to the cap (a body that turns out larger spills to disk as retries' buffering does).
        request.EnableBuffering(bufferThreshold: maxBytes + 1);
        // One byte over the cap is read to tell a body of unknown length that is too large.
        var limit = maxBytes + 1;
        var declared = request.ContentLength;
        var capacity = declared is { } known ? (int)known : Math.Min(limit, InitialUnknownLength);
        var buffer = ArrayPool<byte>.Shared.Rent(capacity);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == capacity)
                {
                    if (declared is not null || capacity >= limit)
                    {
                        break;
                    }

                    capacity = Math.Min(limit, capacity * 2);
                    var larger = ArrayPool<byte>.Shared.Rent(capacity);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length, capacity - length), ct);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }
        catch (Exception e) when (e is IOException or BadHttpRequestException or OperationCanceledException)
        {
            // The client went away or sent a malformed body: the forward fails on its own; nothing is mirrored.
            ArrayPool<byte>.Shared.Return(buffer);
            request.Body.Position = 0;
            return Skip;
        }

        request.Body.Position = 0;
        if (length > maxBytes)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return Skip;
        }

        return new MirrorBody(MirrorBodyKind.Captured, buffer, length);
    }

    /// <summary>Takes a reference for one mirror (released when its copy has been sent).</summary>
    public MirrorBody Retain()
    {
        if (_buffer is not null)
        {
            Interlocked.Increment(ref _references);
        }

        return this;
    }

    /// <summary>Drops a reference; the last one returns the buffer to the pool.</summary>
    public void Release()
    {
        if (_buffer is not null && Interlocked.Decrement(ref _references) == 0)
        {
            ArrayPool<byte>.Shared.Return(Interlocked.Exchange(ref _buffer, null)!);
        }
    }
}
