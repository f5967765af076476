using System.CommandLine;
using Skein.Cli.Commands;
using Skein.Cli.Demo;
using Skein.Core.Hosting;

if (args is ["control", ..])
{
    ProcessTuning.ForControlPlane();
}

var root = new RootCommand("Skein: a service mesh with SPIFFE identities, HBONE tunnels, Gateway API routing and live topology.")
{
    ControlCommand.Create(),
    ProxyCommand.Create(),
    ValidateCommand.Create(),
    GetCommand.Create(),
    TokenCommand.Create(),
    CheckCommand.Create(),
    DemoCommand.Create(),
    TopCommand.Create(),
    ExplainCommand.Create(),
    CaptureCommand.Create(),
};

var parsed = root.Parse(args);
return await parsed.InvokeAsync(ProxyCommand.Invocation(parsed));
