using System.CommandLine;
using Skein.Cli.Commands;

// `skein-proxy`: the node role of `skein proxy`, compiled ahead of time.
var root = ProxyCommand.Configure(new RootCommand("Skein node proxy (ahead-of-time build of `skein proxy --role node`): capture, HBONE mTLS tunnels, L4 policy, access logs."), ["node"]);
return await root.Parse(args).InvokeAsync();
