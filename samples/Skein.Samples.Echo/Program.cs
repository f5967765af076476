using Skein.Samples.Common;
using Skein.Samples.Echo;

const string Usage = """
    usage: Skein.Samples.Echo --listen IP:PORT [--listen IP:PORT]... [--parent-pid PID] [--request-log stdout|off]
      Serves HTTP/1.1 and h2c (prior knowledge) on every listen address; WebSockets on /ws echo every message;
      ?uuid=U&succeedAfter=N[&responseCode=C][&delayRetry=D] fails the first N requests of U (status C, or a
      connection reset without C) for testing gateway retries.
      --request-log stdout prints one "echo-request {json}" line per request (the conformance runner reads
      them to see which backends received mirrored requests).
      Environment: NAMESPACE (default "default"), POD_NAME (default host name), SERVICE_NAME, INGRESS_NAME.
    """;

return SampleHost.Run(Usage, () =>
{
    var parsed = SampleArgs.Parse(args, "listen", "parent-pid", "request-log");
    var requestLog = parsed.Get("request-log", "off") switch
    {
        "stdout" => true,
        "off" => false,
        var other => throw new UsageException($"--request-log must be stdout or off, not '{other}'"),
    };
    var app = SampleHost.CreateBuilder(parsed.ListenEndpoints(), parsed.ParentPid()).Build();
    var identity = EchoIdentity.FromEnvironment();
    var retries = new RetrySimulation();
    app.UseWebSockets();
    app.Map(WebSocketEcho.Path, ws => ws.Run(context => context.WebSockets.IsWebSocketRequest
        ? WebSocketEcho.HandleAsync(context)
        : EchoHandler.HandleAsync(context, identity, retries)));
    app.Run(context =>
    {
        if (requestLog)
        {
            RequestLog.Write(Console.Out, context);
        }

        return EchoHandler.HandleAsync(context, identity, retries);
    });
    app.Run();
    return 0;
});
