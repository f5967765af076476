using System.Net;

namespace Skein.Samples.Common;

/// <summary>Parses "--name value" / "--name=value" options, where any option may repeat.</summary>
public sealed class SampleArgs
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    private SampleArgs()
    {
    }

    /// <summary>Parses <paramref name="args"/>, rejecting options not in <paramref name="known"/>.</summary>
    public static SampleArgs Parse(IReadOnlyList<string> args, params string[] known)
    {
        var parsed = new SampleArgs();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{arg}'");
            }

            string name, value;
            var eq = arg.IndexOf('=');
            if (eq > 0)
            {
                name = arg[2..eq];
                value = arg[(eq + 1)..];
            }
            else
            {
                name = arg[2..];
                // Every option takes a value, so a missing one is always a mistake.
                value = i + 1 < args.Count ? args[++i] : throw new UsageException($"--{name} needs a value");
            }

            if (!known.Contains(name))
            {
                throw new UsageException($"unknown option --{name}");
            }

            if (!parsed._values.TryGetValue(name, out var list))
            {
                parsed._values[name] = list = [];
            }

            list.Add(value);
        }

        return parsed;
    }

    /// <summary>All values given for <paramref name="name"/>, in order.</summary>
    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var list) ? list : [];

    /// <summary>The last value given for <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public string? Get(string name, string? fallback = null) => _values.TryGetValue(name, out var list) ? list[^1] : fallback;

    /// <summary>The last value given for <paramref name="name"/>; a usage error when absent.</summary>
    public string Required(string name) => Get(name) ?? throw new UsageException($"--{name} is required");

    /// <summary>Every --listen value as an endpoint; at least one is required.</summary>
    public IReadOnlyList<IPEndPoint> ListenEndpoints()
    {
        var values = All("listen");
        if (values.Count == 0)
        {
            throw new UsageException("--listen IP:PORT is required");
        }

        return values
            .Select(v => IPEndPoint.TryParse(v, out var ep) && v.Contains(':')
                ? ep
                : throw new UsageException($"--listen '{v}' is not IP:PORT"))
            .ToList();
    }

    /// <summary>The --parent-pid value, or else $SKEIN_PARENT_PID (the variable skein's own processes honour), if given.</summary>
    public int? ParentPid()
    {
        var value = Get("parent-pid") ?? Environment.GetEnvironmentVariable("SKEIN_PARENT_PID");
        if (value is null)
        {
            return null;
        }

        return int.TryParse(value, out var pid) && pid > 0 ? pid : throw new UsageException($"--parent-pid '{value}' is not a process id");
    }
}

/// <summary>A bad command line; the message is shown to the user with the usage text.</summary>
public sealed class UsageException(string message) : Exception(message);
