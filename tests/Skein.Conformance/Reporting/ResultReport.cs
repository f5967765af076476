using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace Skein.Conformance.Reporting;

/// <summary>Prints the per-test table and summary line, and writes a JUnit XML file.</summary>
public static class ResultReport
{
    /// <summary>The table: test, result, cases passed/total, reason (one line per test, plain text for CI logs).</summary>
    public static string Table(IReadOnlyList<TestResult> results, bool verbose)
    {
        var width = Math.Max(4, results.Select(r => r.Name.Length).DefaultIfEmpty(4).Max());
        var text = new StringBuilder();
        text.Append("test".PadRight(width)).Append("  result   cases   reason\n");
        text.Append(new string('-', width)).Append("  -------  ------  ------\n");
        foreach (var r in results)
        {
            var cases = r.CasesTotal == 0 ? "-" : $"{r.CasesPassed}/{r.CasesTotal}";
            text.Append(r.Name.PadRight(width)).Append("  ")
                .Append(r.Outcome.ToString().ToLowerInvariant().PadRight(7)).Append("  ")
                .Append(cases.PadRight(6)).Append("  ")
                .Append(OneLine(r.Reason)).Append('\n');
            if (verbose || r.Outcome == Outcome.Failed)
            {
                foreach (var detail in r.Details)
                {
                    text.Append(new string(' ', width + 2)).Append("- ").Append(OneLine(detail)).Append('\n');
                }
            }
        }

        return text.ToString();
    }

    private static string OneLine(string text) => string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>"N passed, N failed" plus ", N skipped" when any were skipped (the suite's summary format).</summary>
    public static string Summary(IReadOnlyList<TestResult> results)
    {
        var passed = results.Count(r => r.Outcome == Outcome.Passed);
        var failed = results.Count(r => r.Outcome == Outcome.Failed);
        var skipped = results.Count(r => r.Outcome == Outcome.Skipped);
        return skipped > 0 ? $"{passed} passed, {failed} failed, {skipped} skipped" : $"{passed} passed, {failed} failed";
    }

    /// <summary>Writes <paramref name="results"/> as a JUnit testsuite (one testcase per test).</summary>
    public static void WriteJUnit(string path, string suite, IReadOnlyList<TestResult> results)
    {
        static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var cases = results.Select(r =>
        {
            var element = new XElement("testcase", new XAttribute("classname", suite), new XAttribute("name", r.Name), new XAttribute("time", Seconds(r.Duration)));
            var detail = string.Join("\n", r.Details);
            if (r.Outcome == Outcome.Failed)
            {
                element.Add(new XElement("failure", new XAttribute("message", r.Reason), detail));
            }
            else if (r.Outcome == Outcome.Skipped)
            {
                element.Add(new XElement("skipped", new XAttribute("message", r.Reason)));
            }

            return element;
        });
        var document = new XDocument(new XElement("testsuite",
            new XAttribute("name", suite),
            new XAttribute("tests", results.Count),
            new XAttribute("failures", results.Count(r => r.Outcome == Outcome.Failed)),
            new XAttribute("skipped", results.Count(r => r.Outcome == Outcome.Skipped)),
            new XAttribute("time", Seconds(TimeSpan.FromTicks(results.Sum(r => r.Duration.Ticks)))),
            cases));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        document.Save(path);
    }
}
