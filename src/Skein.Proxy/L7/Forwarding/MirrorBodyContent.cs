using System.Net;

namespace Skein.Proxy.L7.Forwarding;

/// <summary>A mirrored request's body: the captured bytes, handed back to their pool only when no one reads them any more.</summary>
/// <remarks>
/// HttpClient can return from SendAsync (a timeout, an early error, a duplex HTTP/2 request) while it is still
/// writing the content. Releasing when the request is disposed could then let the next renter's bytes go out to a
/// mirror; so the owner and each serialization hold a reference, and the last one out releases.
/// </remarks>
public sealed class MirrorBodyContent(MirrorBody body) : HttpContent
{
    private int _references = 1;

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        await SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _references) == 1)
        {
            // Already released (disposed before serializing): nothing may be read any more.
            Interlocked.Decrement(ref _references);
            throw new ObjectDisposedException(nameof(MirrorBodyContent));
        }

        try
        {
            await stream.WriteAsync(body.Content, cancellationToken);
        }
        finally
        {
            Unreference();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = body.Length;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Unreference();
        }

        base.Dispose(disposing);
    }

    private void Unreference()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            body.Release();
        }
    }
}
