using System.Net;
using System.Text.Json.Nodes;
using Skein.Core.Hosting;
using Skein.KubeApi.Emulator;

// A stand-in for kube-apiserver used by Skein's tests (no API server can be installed on the build machine).
// Usage: Skein.KubeApi.Emulator --address 127.0.0.1 --port 6443 --token ADMIN --kubeconfig-out FILE [--data FILE] [--history N]
// It serves HTTPS with a fresh self-signed certificate and writes a kubeconfig (server, CA, admin token).
string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, "--" + name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

var address = IPAddress.Parse(Arg("address", "127.0.0.1"));
var port = int.Parse(Arg("port", "6443"), System.Globalization.CultureInfo.InvariantCulture);
var adminToken = Arg("token", "");
if (adminToken.Length == 0)
{
    Console.Error.WriteLine("--token is required");
    return 2;
}

var dataFile = Arg("data", "");
var store = new ObjectStore(dataFile.Length > 0 ? dataFile : null, int.Parse(Arg("history", "1000"), System.Globalization.CultureInfo.InvariantCulture));
var tokens = new Tokens(adminToken);

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
var certificate = ServingCertificate.LoadOrCreate(address, dataFile.Length > 0 ? dataFile + ".pfx" : null);
var server = $"https://{(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString())}:{port}";
var kubeconfig = Arg("kubeconfig-out", "");
if (kubeconfig.Length > 0)
{
    ServingCertificate.WriteKubeconfig(kubeconfig, server, certificate, adminToken);
}

builder.WebHost.ConfigureKestrel(k => k.Listen(address, port, l => l.UseHttps(certificate)));
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
var app = builder.Build();
ParentProcessWatch.StartFromEnvironment(() => app.Lifetime.StopApplication());
var api = new ApiHandler(store, tokens, $"{address}:{port}");
app.Map("/{**path}", api.HandleAsync);
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"kube api emulator listening on {server} (resourceVersion {store.Version})"));
await app.RunAsync();
return 0;
