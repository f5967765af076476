using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Skein.Proxy.L7.Forwarding;
using Skein.Proxy.L7.LocalReplies;

namespace Skein.Unit.Tests.L7;

/// <summary>The proxy's own answers: plain HTTP as before, gRPC requests as Trailers-Only with a mapped status and an encoded message.</summary>
public sealed class LocalReplyTests
{
    [Theory]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(429, StatusCode.Unavailable)]
    [InlineData(502, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(504, StatusCode.Unavailable)]
    [InlineData(500, StatusCode.Unknown)]
    [InlineData(421, StatusCode.Unknown)]
    [InlineData(418, StatusCode.Unknown)]
    [InlineData(200, StatusCode.Unknown)]
    public void Http_statuses_map_to_grpc_statuses_by_grpcs_table(int http, StatusCode expected) =>
        Assert.Equal(expected, GrpcStatusMapping.FromHttpStatus(http));

    [Theory]
    [InlineData("UH: no healthy upstream", "UH: no healthy upstream")]
    [InlineData("50% done", "50%25 done")]
    [InlineData("line\nbreak\ttab", "line%0Abreak%09tab")]
    [InlineData("caf\u00e9 \u2192 ok", "caf%C3%A9 %E2%86%92 ok")]
    [InlineData("~ and space and !", "~ and space and !")]
    [InlineData("\u007f", "%7F")]
    [InlineData("", "")]
    public void Grpc_messages_are_percent_encoded_as_utf8_outside_printable_ascii_and_percent(string message, string encoded) =>
        Assert.Equal(encoded, GrpcMessageEncoding.Encode(message));

    [Fact]
    public void A_message_needing_no_encoding_is_returned_as_is()
    {
        var message = "NR: route_not_found";
        Assert.Same(message, GrpcMessageEncoding.Encode(message));
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc+json", true)]
    [InlineData("application/grpc;charset=utf-8", true)]
    [InlineData("Application/GRPC", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/grpc-web+proto", false)]
    [InlineData("application/grpcx", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void Only_grpc_content_types_are_grpc_requests(string? contentType, bool grpc) =>
        Assert.Equal(grpc, LocalReply.IsGrpc(contentType));

    [Fact]
    public async Task A_grpc_request_gets_a_trailers_only_answer_with_no_body_while_the_outcome_keeps_the_local_status()
    {
        var context = Context("application/grpc");
        var outcome = new RequestOutcome();
        LocalReply.Send(context, outcome, 503, "UH", "no healthy upstream for echo.default.svc.cluster.local");
        outcome.Flags = $"DI,{outcome.Flags}";

        await LocalReply.CompleteAsync(context, outcome);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("application/grpc", context.Response.ContentType);
        Assert.Equal("14", context.Response.Headers["grpc-status"].ToString());
        Assert.Equal("DI,UH: no healthy upstream for echo.default.svc.cluster.local", context.Response.Headers["grpc-message"].ToString());
        Assert.Equal(0, context.Response.Body.Length);
        Assert.Equal((503, "DI,UH", "no healthy upstream for echo.default.svc.cluster.local"), (outcome.LocalStatus, outcome.Flags, outcome.Details));
    }

    [Fact]
    public async Task A_plain_request_keeps_the_status_and_the_reason_as_a_text_body()
    {
        var context = Context("application/json");
        var outcome = new RequestOutcome();
        LocalReply.Send(context, outcome, 403, "-", "rbac_access_denied_matched_policy[default/deny]", "RBAC: access denied");

        await LocalReply.CompleteAsync(context, outcome);

        Assert.Equal(403, context.Response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", context.Response.ContentType);
        Assert.False(context.Response.Headers.ContainsKey("grpc-status"));
        context.Response.Body.Position = 0;
        Assert.Equal("RBAC: access denied\n", await new StreamReader(context.Response.Body).ReadToEndAsync());
        Assert.Equal("rbac_access_denied_matched_policy[default/deny]", outcome.Details);
    }

    [Fact]
    public async Task A_denied_grpc_request_reads_permission_denied_without_the_policy_name()
    {
        var context = Context("application/grpc+proto");
        var outcome = new RequestOutcome();
        LocalReply.Send(context, outcome, 403, "-", "rbac_access_denied_matched_policy[default/deny]", "RBAC: access denied");

        await LocalReply.CompleteAsync(context, outcome);

        Assert.Equal(("7", "RBAC: access denied"), (context.Response.Headers["grpc-status"].ToString(), context.Response.Headers["grpc-message"].ToString()));
    }

    [Fact]
    public async Task Without_a_local_answer_nothing_is_written()
    {
        var context = Context("application/grpc");
        context.Response.StatusCode = 200;
        var outcome = new RequestOutcome();

        await LocalReply.CompleteAsync(context, outcome);

        Assert.False(LocalReply.TryCompleteAsGrpc(context, outcome));
        Assert.False(context.Response.Headers.ContainsKey("grpc-status"));
        Assert.Equal(0, context.Response.Body.Length);
        Assert.Equal(0, outcome.LocalStatus);
    }

    private static DefaultHttpContext Context(string contentType)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = contentType;
        context.Response.Body = new MemoryStream();
        return context;
    }
}
