using Skein.Samples.Common;
using Skein.Samples.Echo;

const string Usage = """
    usage: Skein.Samples.Echo --listen IP:PORT [--listen IP:PORT]... [--parent-pid PID]
      Serves HTTP/1.1 and h2c (prior knowledge) on every listen address.
      Environment: NAMESPACE (default "default"), POD_NAME (default host name), SERVICE_NAME, INGRESS_NAME.
    """;

return SampleHost.Run(Usage, () =>
{
    var parsed = SampleArgs.Parse(args, "listen", "parent-pid");
    var app = SampleHost.CreateBuilder(parsed.ListenEndpoints(), parsed.ParentPid()).Build();
    var identity = EchoIdentity.FromEnvironment();
    app.Run(context => EchoHandler.HandleAsync(context, identity));
    app.Run();
    return 0;
});
