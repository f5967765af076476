namespace Skein.Core.Hosting;

/// <summary>Runtime settings each Skein process sets for itself at start, before it opens a socket or queues work.</summary>
/// <remarks>
/// The runtime reads these once, when the socket engine or the thread pool starts, so they are set first thing in
/// <c>Main</c>. An operator's own setting (environment variable) is left alone.
/// </remarks>
public static class ProcessTuning
{
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    private const string SpinLimit = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    /// <summary>The ahead-of-time node proxy: socket completions run their continuations on the socket engine's threads instead of hopping to the thread pool first.</summary>
    /// <remarks>
    /// The relay's work per read is a few non-blocking calls (copy into a frame, write to TLS), so the hop was pure
    /// overhead: the HBONE benchmark measured ~20 % less node-proxy CPU per keep-alive request without it. The cost: a
    /// continuation that blocks stalls every socket on its engine thread, so the node path must stay non-blocking (it
    /// does: TLS records, HBONE frames, counters; access-log lines go through a queue). Not for the YARP roles: in the
    /// gateway benchmark (session 7) it saved nothing measurable, and with Kestrel's inline scheduling added the pinned
    /// gateway sat ~25 % idle and served fewer requests. `skein proxy --role node` (JIT) keeps the default hop too.
    /// </remarks>
    public static void ForNodeProxy()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        }
    }

    /// <summary>The control plane: idle thread-pool workers sleep at once instead of spinning for the next work item.</summary>
    /// <remarks>
    /// Its work comes in short bursts (an ALS batch, an xDS push) on hosts it shares with the data path; spinning for
    /// the next item was a third of its CPU under access-log load in the gateway benchmark (bench/README.md, session 7).
    /// </remarks>
    public static void ForControlPlane()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit") is null)
        {
            AppContext.SetData(SpinLimit, 0);
        }
    }
}
