using System.Text.Json.Nodes;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>Config files reach node proxies live; invalid edits are reported and the last good config keeps serving.</summary>
public sealed class ConfigPushTests
{
    private static bool HasService(JsonObject dump, string name) =>
        dump["services"]!.AsArray().Any(s => s!["name"]!.GetValue<string>() == name);

    [Fact]
    public async Task A_config_edit_reaches_the_proxy_within_one_second_and_a_deletion_removes_it()
    {
        await using var mesh = new TestMesh();
        var node = mesh.Block.Host(2);
        mesh.WriteConfig("mesh.yaml", Yaml.Service("web", "default", 80, 8080, "web") + Yaml.Workload("web-1", "default", "node-1", mesh.Block.Host(10), "web"));
        await mesh.StartControlAsync();
        await mesh.StartProxyAsync("node-1", node);
        Assert.True(HasService(await mesh.ConfigDumpAsync(node), "web"), mesh.Logs);

        mesh.WriteConfig("shop.yaml", Yaml.Service("shop", "default", 80, 8080, "shop"));
        var elapsed = await TestMesh.EventuallyAsync(async () => HasService(await mesh.ConfigDumpAsync(node), "shop"), TimeSpan.FromSeconds(10), "shop on the proxy");
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"the edit took {elapsed.TotalMilliseconds:0} ms to reach the proxy");

        File.Delete(Path.Combine(mesh.ConfigDir, "shop.yaml"));
        await TestMesh.EventuallyAsync(async () => !HasService(await mesh.ConfigDumpAsync(node), "shop"), TimeSpan.FromSeconds(5), "shop removed from the proxy");
        Assert.True(HasService(await mesh.ConfigDumpAsync(node), "web"));
    }

    [Fact]
    public async Task An_invalid_edit_is_reported_with_file_line_and_field_and_the_last_good_config_keeps_serving()
    {
        await using var mesh = new TestMesh();
        var node = mesh.Block.Host(2);
        mesh.WriteConfig("mesh.yaml", Yaml.Service("web", "default", 80, 8080, "web"));
        await mesh.StartControlAsync();
        await mesh.StartProxyAsync("node-1", node);

        // A typo'd field (selectr) on line 7 of the new content, plus a new service that must not be applied either.
        mesh.WriteConfig("mesh.yaml", Yaml.Service("web", "default", 80, 8080, "web").Replace("selector:", "selectr:") + Yaml.Service("api", "default", 80, 8080, "api"));
        var errors = new JsonArray();
        await TestMesh.EventuallyAsync(async () =>
        {
            errors = (await mesh.GetJsonAsync(new Uri(mesh.Api, "api/v1/config-errors")))["errors"]!.AsArray();
            return errors.Count > 0;
        }, TimeSpan.FromSeconds(10), "the config error to be reported");

        var text = errors[0]!["text"]!.GetValue<string>();
        Assert.Contains("mesh.yaml:7:", text);
        Assert.Contains("spec.selectr", text);
        Assert.Contains("did you mean \"selector\"", text);

        var dump = await mesh.ConfigDumpAsync(node);
        Assert.True(HasService(dump, "web"), "the last good service must keep serving");
        Assert.False(HasService(dump, "api"), "nothing from the rejected file may reach the proxy");
        var services = await mesh.GetJsonAsync(new Uri(mesh.Api, "api/v1/resources?kind=Service"));
        Assert.Single(services["items"]!.AsArray());

        // Fixing the file clears the error and applies the whole file.
        mesh.WriteConfig("mesh.yaml", Yaml.Service("web", "default", 80, 8080, "web") + Yaml.Service("api", "default", 80, 8080, "api"));
        await TestMesh.EventuallyAsync(async () => HasService(await mesh.ConfigDumpAsync(node), "api"), TimeSpan.FromSeconds(10), "the fixed file to apply");
        var after = await mesh.GetJsonAsync(new Uri(mesh.Api, "api/v1/config-errors"));
        Assert.Empty(after["errors"]!.AsArray());
    }
}
