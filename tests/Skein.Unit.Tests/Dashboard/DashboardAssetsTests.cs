using System.Text.RegularExpressions;
using Skein.Control.Dashboard;

namespace Skein.Unit.Tests.Dashboard;

public sealed partial class DashboardAssetsTests
{
    private static readonly DashboardAssets Assets = DashboardAssets.Load();

    [Fact]
    public void The_page_is_served_at_the_root_with_its_scripts_styles_and_vendored_licenses()
    {
        Assert.Equal("text/html; charset=utf-8", Assets.ByPath["/"].ContentType);
        Assert.False(Assets.ByPath.ContainsKey("/index.html"));
        Assert.StartsWith("text/javascript", Assets.ByPath["/app.js"].ContentType);
        Assert.StartsWith("text/css", Assets.ByPath["/app.css"].ContentType);
        Assert.Contains("/vendor/cytoscape.LICENSE", Assets.ByPath.Keys);
        Assert.Contains("/vendor/cytoscape-dagre.LICENSE", Assets.ByPath.Keys);
        Assert.DoesNotContain(Assets.ByPath.Keys, k => k.EndsWith(".cs", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_script_and_stylesheet_the_page_references_is_embedded()
    {
        var page = System.Text.Encoding.UTF8.GetString(Assets.ByPath["/"].Content);
        var references = Reference().Matches(page).Select(m => "/" + m.Groups["path"].Value).ToList();
        Assert.Contains("/vendor/cytoscape.min.js", references);
        Assert.All(references, r => Assert.True(Assets.ByPath.ContainsKey(r), $"index.html references {r}, which is not embedded"));
    }

    [Fact]
    public void Every_module_a_script_imports_is_embedded()
    {
        var scripts = Assets.ByPath.Where(p => p.Key.EndsWith(".js", StringComparison.Ordinal) && !p.Key.StartsWith("/vendor/", StringComparison.Ordinal)).ToList();
        Assert.True(scripts.Count > 1, "the page is split into modules");
        foreach (var (path, asset) in scripts)
        {
            var text = System.Text.Encoding.UTF8.GetString(asset.Content);
            foreach (Match import in ModuleImport().Matches(text))
            {
                var target = "/" + import.Groups["path"].Value;
                Assert.True(Assets.ByPath.ContainsKey(target), $"{path} imports {target}, which is not embedded");
            }
        }
    }

    [Fact]
    public void ETags_differ_between_files_and_are_quoted()
    {
        var etags = Assets.ByPath.Values.Select(a => a.ETag).ToList();
        Assert.Equal(etags.Count, etags.Distinct().Count());
        Assert.All(etags, e => Assert.Matches("^\"[0-9a-f]{24}\"$", e));
    }

    [GeneratedRegex("from \"\\./(?<path>[^\"]+\\.js)\"")]
    private static partial Regex ModuleImport();

    [GeneratedRegex("(?:src|href)=\"(?<path>[^\"]+\\.(?:js|css))\"")]
    private static partial Regex Reference();
}
