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
}
