using System.CommandLine;
using Skein.Cli.Commands;

// `skein-proxy`: the node role of `skein proxy`, compiled ahead of time.

// Socket completions run their continuations on the socket engine's threads instead of hopping to the thread
// pool first. The relay's work per read is a few non-blocking calls (copy into a frame, write to TLS), so the hop
// was pure overhead: with it removed the HBONE benchmark measured ~20 % less node-proxy CPU per keep-alive request.
// The cost: a continuation that blocks stalls every socket on its engine thread, so the node path must stay
// non-blocking (it is: TLS records, HBONE frames, counters; access-log lines go through a queue). Only this build
// sets it: `skein proxy --role node` (JIT) keeps the default hop. The runtime reads the setting once, from the
// environment, when the first socket is used: set it before that, and leave an operator's explicit choice alone.
const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
{
    Environment.SetEnvironmentVariable(InlineCompletions, "1");
}

var root = ProxyCommand.Configure(new RootCommand("Skein node proxy (ahead-of-time build of `skein proxy --role node`): capture, HBONE mTLS tunnels, L4 policy, access logs."), ["node"]);
return await root.Parse(args).InvokeAsync();
