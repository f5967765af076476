using Skein.Core.Protos.Envoy.AccessLog;

namespace Skein.Core.Telemetry;

/// <summary>Envoy's short response flag codes (as <c>%RESPONSE_FLAGS%</c> prints them) to and from ALS's <see cref="ResponseFlags"/>.</summary>
public static class ResponseFlagCodes
{
    private static readonly (string Code, Func<ResponseFlags, bool> Get, Action<ResponseFlags> Set)[] Codes =
    [
        ("LH", f => f.FailedLocalHealthcheck, f => f.FailedLocalHealthcheck = true),
        ("UH", f => f.NoHealthyUpstream, f => f.NoHealthyUpstream = true),
        ("UT", f => f.UpstreamRequestTimeout, f => f.UpstreamRequestTimeout = true),
        ("LR", f => f.LocalReset, f => f.LocalReset = true),
        ("UR", f => f.UpstreamRemoteReset, f => f.UpstreamRemoteReset = true),
        ("UF", f => f.UpstreamConnectionFailure, f => f.UpstreamConnectionFailure = true),
        ("UC", f => f.UpstreamConnectionTermination, f => f.UpstreamConnectionTermination = true),
        ("UO", f => f.UpstreamOverflow, f => f.UpstreamOverflow = true),
        ("NR", f => f.NoRouteFound, f => f.NoRouteFound = true),
        ("DI", f => f.DelayInjected, f => f.DelayInjected = true),
        ("FI", f => f.FaultInjected, f => f.FaultInjected = true),
        ("RL", f => f.RateLimited, f => f.RateLimited = true),
        ("UAEX", f => f.UnauthorizedDetails is not null, f => f.UnauthorizedDetails = new ResponseFlags.Types.Unauthorized { Reason = ResponseFlags.Types.Unauthorized.Types.Reason.ExternalService }),
        ("RLSE", f => f.RateLimitServiceError, f => f.RateLimitServiceError = true),
        ("DC", f => f.DownstreamConnectionTermination, f => f.DownstreamConnectionTermination = true),
        ("URX", f => f.UpstreamRetryLimitExceeded, f => f.UpstreamRetryLimitExceeded = true),
        ("SI", f => f.StreamIdleTimeout, f => f.StreamIdleTimeout = true),
        ("IH", f => f.InvalidEnvoyRequestHeaders, f => f.InvalidEnvoyRequestHeaders = true),
        ("DPE", f => f.DownstreamProtocolError, f => f.DownstreamProtocolError = true),
        ("UMSDR", f => f.UpstreamMaxStreamDurationReached, f => f.UpstreamMaxStreamDurationReached = true),
        ("RFCF", f => f.ResponseFromCacheFilter, f => f.ResponseFromCacheFilter = true),
        ("NFCF", f => f.NoFilterConfigFound, f => f.NoFilterConfigFound = true),
        ("DT", f => f.DurationTimeout, f => f.DurationTimeout = true),
        ("UPE", f => f.UpstreamProtocolError, f => f.UpstreamProtocolError = true),
        ("NC", f => f.NoClusterFound, f => f.NoClusterFound = true),
        ("OM", f => f.OverloadManager, f => f.OverloadManager = true),
        ("DF", f => f.DnsResolutionFailure, f => f.DnsResolutionFailure = true),
    ];

    /// <summary>The proto form of "UF,URX" (or "-"); unknown codes are ignored.</summary>
    public static ResponseFlags? ToProto(string? codes)
    {
        if (string.IsNullOrEmpty(codes) || codes == "-")
        {
            return null;
        }

        var flags = new ResponseFlags();
        foreach (var code in codes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            foreach (var entry in Codes)
            {
                if (entry.Code == code)
                {
                    entry.Set(flags);
                }
            }
        }

        return flags;
    }

    /// <summary>The short form, in Envoy's order, or "-" when no flag is set.</summary>
    public static string FromProto(ResponseFlags? flags)
    {
        if (flags is null)
        {
            return "-";
        }

        var set = Codes.Where(c => c.Get(flags)).Select(c => c.Code).ToList();
        return set.Count == 0 ? "-" : string.Join(',', set);
    }
}
