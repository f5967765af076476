namespace Skein.Control.Gateway;

/// <summary>Where one match of one route rule stands in Gateway API precedence.</summary>
/// <remarks>
/// The spec orders: exact path, then the longest prefix, then a method match, then the most header matches,
/// then the most query parameter matches; ties go to the oldest route, then "namespace/name" alphabetically,
/// then rule and match order. Regular expression paths are implementation-specific: Skein puts them between
/// exact and prefix matches, longest pattern first.
/// </remarks>
public sealed record RoutePrecedence(
    int PathRank,
    int PathLength,
    bool HasMethod,
    int HeaderCount,
    int QueryCount,
    DateTimeOffset Created,
    string RouteName,
    int RuleIndex,
    int MatchIndex) : IComparable<RoutePrecedence>
{
    public const int Exact = 0;
    public const int RegularExpression = 1;
    public const int Prefix = 2;

    public int CompareTo(RoutePrecedence? other)
    {
        if (other is null)
        {
            return -1;
        }

        var c = PathRank.CompareTo(other.PathRank);
        if (c == 0)
        {
            c = other.PathLength.CompareTo(PathLength);
        }

        if (c == 0)
        {
            c = other.HasMethod.CompareTo(HasMethod);
        }

        if (c == 0)
        {
            c = other.HeaderCount.CompareTo(HeaderCount);
        }

        if (c == 0)
        {
            c = other.QueryCount.CompareTo(QueryCount);
        }

        if (c == 0)
        {
            c = Created.CompareTo(other.Created);
        }

        if (c == 0)
        {
            c = string.CompareOrdinal(RouteName, other.RouteName);
        }

        if (c == 0)
        {
            c = RuleIndex.CompareTo(other.RuleIndex);
        }

        return c != 0 ? c : MatchIndex.CompareTo(other.MatchIndex);
    }
}

/// <summary>A compiled route entry and its precedence; hostnames are filled per listener.</summary>
public sealed record HttpRouteEntry(Skein.Core.Protos.Skein.HttpRoute Entry, RoutePrecedence Precedence);
