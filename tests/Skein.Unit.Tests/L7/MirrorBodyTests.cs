using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Skein.Proxy.L7.Forwarding;

namespace Skein.Unit.Tests.L7;

/// <summary>Capturing request bodies for mirrors: bounded, and the backend still gets the whole body.</summary>
public sealed class MirrorBodyTests
{
    private sealed class BodyDetection(bool canHaveBody) : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => canHaveBody;
    }

    private static HttpRequest Request(byte[]? body, bool declareLength)
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpRequestBodyDetectionFeature>(new BodyDetection(body is not null));
        context.Request.Method = body is null ? "GET" : "POST";
        context.Request.Body = new MemoryStream(body ?? []);
        context.Request.ContentLength = declareLength ? body?.Length : null;
        return context.Request;
    }

    private static byte[] Bytes(int count) => Enumerable.Range(0, count).Select(i => (byte)(i * 7)).ToArray();

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_within_the_cap_is_captured_and_the_backend_still_reads_all_of_it(bool declareLength)
    {
        var body = Bytes(100_000);
        var request = Request(body, declareLength);

        var captured = await MirrorBody.CaptureAsync(request, CancellationToken.None);

        Assert.Equal(MirrorBodyKind.Captured, captured.Kind);
        Assert.Equal(body, captured.Content.ToArray());
        Assert.Equal(body, await ReadAllAsync(request.Body));
        captured.Retain().Release();
        captured.Release();
    }

    [Fact]
    public async Task A_declared_body_above_the_cap_is_not_mirrored_and_not_read_ahead()
    {
        var body = Bytes(5000);
        var request = Request(body, declareLength: true);
        var original = request.Body;

        var captured = await MirrorBody.CaptureAsync(request, CancellationToken.None, maxBytes: 1000);

        Assert.Equal(MirrorBodyKind.Skipped, captured.Kind);
        Assert.Same(original, request.Body);
        Assert.Equal(0, original.Position);
    }

    [Fact]
    public async Task A_body_of_unknown_length_above_the_cap_is_not_mirrored_but_reaches_the_backend_whole()
    {
        var body = Bytes(50_000);
        var request = Request(body, declareLength: false);

        var captured = await MirrorBody.CaptureAsync(request, CancellationToken.None, maxBytes: 20_000);

        Assert.Equal(MirrorBodyKind.Skipped, captured.Kind);
        Assert.Equal(body, await ReadAllAsync(request.Body));
    }

    [Fact]
    public async Task A_request_without_a_body_mirrors_without_one()
    {
        var captured = await MirrorBody.CaptureAsync(Request(null, declareLength: false), CancellationToken.None);

        Assert.Equal(MirrorBodyKind.None, captured.Kind);
        Assert.True(captured.Content.IsEmpty);
    }

    [Fact]
    public async Task A_mirror_content_keeps_the_bytes_until_a_write_still_running_after_dispose_has_finished()
    {
        var body = Bytes(10_000);
        var captured = await MirrorBody.CaptureAsync(Request(body, declareLength: true), CancellationToken.None);
        var content = new MirrorBodyContent(captured.Retain());
        captured.Release(); // the forwarding pipeline is done with it: the mirror's reference is the last one

        var sink = new GatedStream();
        var writing = content.CopyToAsync(sink);
        await sink.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        content.Dispose(); // SendAsync gave up (a timeout) while HttpClient still writes the body
        Assert.Equal(body.Length, captured.Content.Length);

        sink.Open.SetResult();
        await writing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(body, sink.Written.ToArray());
        Assert.True(captured.Content.IsEmpty, "the bytes go back to the pool once the write is over");
    }

    /// <summary>A stream whose first write waits until the test opens it.</summary>
    private sealed class GatedStream : MemoryStream
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public MemoryStream Written { get; } = new();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await Open.Task;
            await Written.WriteAsync(buffer, cancellationToken);
        }
    }
}
