using Skein.Samples.Common;
using Skein.Samples.Echo;

const string Usage = """
    usage: Skein.Samples.Echo --listen IP:PORT [--listen IP:PORT]... [--parent-pid PID] [--request-log stdout|off]
      Serves HTTP/1.1 and h2c (prior knowledge) on every listen address.
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
    app.Run(context =>
    {
        if (requestLog)
        {
            RequestLog.Write(Console.Out, context);
        }

        return EchoHandler.HandleAsync(context, identity);
    });
    app.Run();
    return 0;
});
