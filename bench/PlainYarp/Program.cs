// The benchmark's "plain YARP" baseline: YARP's standard config-based reverse proxy and nothing else
// (no mesh, no telemetry, no per-request logging), so the gateway's extra cost over YARP can be read off.
// Usage: plain-yarp --config routes.json  (the driver generates the routes, clusters and Kestrel endpoints).
var builder = WebApplication.CreateBuilder(args);
var config = Array.IndexOf(args, "--config") is var i and >= 0 && i + 1 < args.Length
    ? args[i + 1]
    : throw new ArgumentException("usage: plain-yarp --config routes.json");
builder.Configuration.AddJsonFile(Path.GetFullPath(config), optional: false, reloadOnChange: false);
builder.Logging.ClearProviders();
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

var app = builder.Build();
app.MapReverseProxy();
app.Run();
