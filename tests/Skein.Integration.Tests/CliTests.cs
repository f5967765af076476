using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>The <c>skein</c> command as a user runs it.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task Validate_prints_file_line_and_the_typoed_field_and_exits_1()
    {
        var dir = Directory.CreateTempSubdirectory("skein-validate-").FullName;
        try
        {
            var bad = Path.Combine(dir, "bad.yaml");
            File.WriteAllText(bad, """
                apiVersion: v1
                kind: Service
                metadata:
                  name: web
                spec:
                  ports:
                  - port: 80
                    tragetPort: 8080
                """);
            await using var run = TestProcess.Skein("validate", ["validate", bad]);
            Assert.Equal(1, await run.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            await Task.Delay(100);
            Assert.Contains($"{bad}:8:", run.Output);
            Assert.Contains("spec.ports[0].tragetPort", run.Output);
            Assert.Contains("did you mean \"targetPort\"", run.Output);

            File.WriteAllText(bad, File.ReadAllText(bad).Replace("tragetPort", "targetPort"));
            await using var good = TestProcess.Skein("validate", ["validate", dir]);
            Assert.Equal(0, await good.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Check_warns_about_plaintext_peer_authentication_and_reports_config_errors()
    {
        await using var mesh = new TestMesh();
        mesh.WriteConfig("pa.yaml", """
            apiVersion: skein.dev/v1alpha1
            kind: PeerAuthentication
            metadata:
              name: legacy
              namespace: shop
            spec:
              selector:
                matchLabels:
                  app: legacy
              mtls:
                mode: STRICT
              portLevelMtls:
                "9090":
                  mode: DISABLE
            ---
            apiVersion: skein.dev/v1alpha1
            kind: PeerAuthentication
            metadata:
              name: open
              namespace: shop
              labels:
                app: x
            spec:
              selector:
                matchLabels:
                  app: old
              mtls:
                mode: DISABLE
            """);
        await mesh.StartControlAsync();
        await using var check = TestProcess.Skein("check", ["check", "--server", mesh.Api.ToString()]);
        var code = await check.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(100);
        Assert.True(code == 0, check.Output);
        Assert.Contains("warning: PeerAuthentication shop/legacy sets mTLS DISABLE on port 9090", check.Output);
        Assert.Contains("warning: PeerAuthentication shop/open sets mTLS DISABLE for the workloads it selects", check.Output);
        Assert.Contains("0 error(s), 2 warning(s).", check.Output);

        mesh.WriteConfig("broken.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  portz: []\n");
        await TestMesh.EventuallyAsync(async () => (await mesh.GetJsonAsync(new Uri(mesh.Api, "api/v1/config-errors")))["errors"]!.AsArray().Count > 0,
            TimeSpan.FromSeconds(10), "the error to be recorded");
        await using var failing = TestProcess.Skein("check", ["check", "--server", mesh.Api.ToString()]);
        Assert.Equal(1, await failing.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await Task.Delay(100);
        Assert.Contains("broken.yaml:6:", failing.Output);
    }
}
