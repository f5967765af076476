using System.Diagnostics;
using System.Net;
using k8s;

namespace Skein.Integration.Tests.Infrastructure;

/// <summary>The Kubernetes API server stand-in (tests/Skein.KubeApi.Emulator) as a real process, driven with Debian's kubectl.</summary>
/// <remarks>It keeps its objects and serving certificate in the mesh's directory, so a restart keeps both (but not the watch history).</remarks>
public sealed class KubeApiEmulator(TestMesh mesh, IPAddress address)
{
    private const string AdminToken = "skein-test-admin";
    private TestProcess? _process;

    public string Kubeconfig => Path.Combine(mesh.Root, "kubeconfig");

    public TestProcess Process => _process ?? throw new InvalidOperationException("not started");

    public async Task StartAsync()
    {
        _process = mesh.Track(TestProcess.Sample("kube-api", "Skein.KubeApi.Emulator",
            ["--address", address.ToString(), "--port", "6443", "--token", AdminToken, "--kubeconfig-out", Kubeconfig, "--data", Path.Combine(mesh.Root, "kube-api.json")]));
        await _process.WaitForOutputAsync("kube api emulator listening", TimeSpan.FromSeconds(30));
    }

    public async Task StopAsync()
    {
        Process.KillHard();
        await Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>KubernetesClient against the emulator: the test's kubelet, which reports pod IPs through the status subresource.</summary>
    public k8s.Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(Kubeconfig));

    /// <summary>Runs kubectl with the emulator's kubeconfig; <paramref name="stdin"/> is piped (for <c>-f -</c>). Fails the test on a non-zero exit.</summary>
    public async Task<string> KubectlAsync(string? stdin, params string[] args)
    {
        var (code, output) = await TryKubectlAsync(stdin, args);
        return code == 0 ? output : throw new InvalidOperationException($"kubectl {string.Join(' ', args)} exited with {code}:\n{output}");
    }

    public async Task<(int Code, string Output)> TryKubectlAsync(string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo("kubectl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["--kubeconfig", Kubeconfig, .. args])
        {
            info.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary><c>kubectl apply -f -</c> (client-side apply; the emulator has no OpenAPI document, so validation is off).</summary>
    public Task<string> ApplyAsync(string yaml) => KubectlAsync(yaml, "apply", "--validate=false", "-f", "-");
}
