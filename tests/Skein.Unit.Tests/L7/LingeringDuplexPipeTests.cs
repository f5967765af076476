using System.IO.Pipelines;
using System.Text;
using Skein.Proxy.L7.Listeners.Transport;

namespace Skein.Unit.Tests.L7;

/// <summary>A gateway connection Kestrel has finished with closes its socket only after the client closed its side (or the linger ran out).</summary>
public sealed class LingeringDuplexPipeTests
{
    [Fact]
    public async Task The_socket_side_completes_only_once_the_client_closed_and_what_the_client_still_sent_is_read()
    {
        var (fromClient, toClient, socket) = Transport();
        var pipe = new LingeringDuplexPipe(socket);
        await pipe.Output.WriteAsync(Encoding.ASCII.GetBytes("GOAWAY"));
        pipe.Output.Complete();
        pipe.Input.Complete();

        // Everything written reaches the client, but the socket is not closed yet: the client may still be sending.
        var sent = await toClient.Reader.ReadAsync();
        Assert.Equal("GOAWAY", Encoding.ASCII.GetString(sent.Buffer));
        Assert.False(sent.IsCompleted);
        toClient.Reader.AdvanceTo(sent.Buffer.End);
        await fromClient.Writer.WriteAsync(Encoding.ASCII.GetBytes("WINDOW_UPDATE"));
        var closing = pipe.CloseAsync();
        Assert.False(closing.IsCompleted);

        // The client closes its side: now the socket closes.
        await fromClient.Writer.CompleteAsync();
        await closing.WaitAsync(TimeSpan.FromSeconds(10));
        var end = await toClient.Reader.ReadAsync();
        Assert.True(end.IsCompleted);
    }

    [Fact]
    public async Task A_client_that_never_closes_is_closed_when_the_linger_runs_out()
    {
        var (_, toClient, socket) = Transport();
        var pipe = new LingeringDuplexPipe(socket);
        pipe.Output.Complete();
        pipe.Input.Complete();

        await pipe.CloseAsync().WaitAsync(LingeringDuplexPipe.Linger + TimeSpan.FromSeconds(10));
        Assert.True((await toClient.Reader.ReadAsync()).IsCompleted);
    }

    [Fact]
    public async Task A_connection_disposed_without_completing_its_pipes_lingers_too()
    {
        var (fromClient, toClient, socket) = Transport();
        var pipe = new LingeringDuplexPipe(socket);
        var closing = pipe.CloseAsync();
        Assert.False(closing.IsCompleted);
        await fromClient.Writer.CompleteAsync();
        await closing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True((await toClient.Reader.ReadAsync()).IsCompleted);
    }

    /// <summary>A socket transport as Kestrel sees it: what the client sent arrives on one pipe, what is written goes to the other.</summary>
    private static (Pipe FromClient, Pipe ToClient, IDuplexPipe Socket) Transport()
    {
        var fromClient = new Pipe();
        var toClient = new Pipe();
        return (fromClient, toClient, new SocketSide(fromClient.Reader, toClient.Writer));
    }

    private sealed record SocketSide(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
