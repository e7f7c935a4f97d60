using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Rectification.Server.Infrastructure;

namespace Rectification.Server.Features.Auth;

/// <summary>Answers refused requests with a problem that says what was missing: a token, or one of the roles the
/// endpoint needs.</summary>
public sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        // The web pages answer people, not programs: their cookie scheme redirects to the login or the refusal page.
        if (policy.AuthenticationSchemes.Contains(WebAuth.Scheme))
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        if (authorizeResult.Challenged)
        {
            await new Problem(StatusCodes.Status401Unauthorized, "Unauthorized",
                    "Sign in first: send Authorization: Bearer <token> from POST /api/v1/auth/login. The token may have expired.")
                .ToProblemResult().ExecuteAsync(context);
            return;
        }

        if (authorizeResult.Forbidden)
        {
            var roles = authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<RolesAuthorizationRequirement>()
                .SelectMany(r => r.AllowedRoles).Distinct().ToList() ?? [];
            var detail = roles.Count > 0
                ? $"This endpoint is for {string.Join(", ", roles)}."
                : "You may not use this endpoint.";
            await Problem.Forbidden(detail).ToProblemResult().ExecuteAsync(context);
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
