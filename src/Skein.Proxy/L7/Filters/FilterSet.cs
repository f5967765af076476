using Skein.Core.Protos.Skein;

namespace Skein.Proxy.L7.Filters;

/// <summary>The filters of one route rule or one backendRef, grouped by what they do, in configuration order.</summary>
public sealed class FilterSet
{
    public static readonly FilterSet Empty = new([]);

    public FilterSet(IEnumerable<HttpFilter> filters)
    {
        foreach (var filter in filters)
        {
            switch (filter.FilterCase)
            {
                case HttpFilter.FilterOneofCase.RequestHeaderModifier:
                    RequestHeaders.Add(filter.RequestHeaderModifier);
                    break;
                case HttpFilter.FilterOneofCase.ResponseHeaderModifier:
                    ResponseHeaders.Add(filter.ResponseHeaderModifier);
                    break;
                case HttpFilter.FilterOneofCase.RequestRedirect:
                    Redirect ??= filter.RequestRedirect;
                    break;
                case HttpFilter.FilterOneofCase.UrlRewrite:
                    Rewrite ??= filter.UrlRewrite;
                    break;
                case HttpFilter.FilterOneofCase.RequestMirror:
                    Mirrors.Add(filter.RequestMirror);
                    break;
                case HttpFilter.FilterOneofCase.Cors:
                    Cors ??= new CorsPolicy(filter.Cors);
                    break;
                case HttpFilter.FilterOneofCase.Fault:
                    Fault ??= filter.Fault;
                    break;
            }
        }
    }

    public List<HeaderModifier> RequestHeaders { get; } = [];
    public List<HeaderModifier> ResponseHeaders { get; } = [];
    public RequestRedirect? Redirect { get; }
    public UrlRewrite? Rewrite { get; }
    public List<RequestMirror> Mirrors { get; } = [];
    public CorsPolicy? Cors { get; }
    public FaultInjection? Fault { get; }
}
