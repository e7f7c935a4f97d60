using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Infrastructure;

namespace Rectification.Server.Features.Workflows;

/// <summary>Which flows a user may see and edit: a county admin edits their county's flows, a city-level admin the
/// defaults; everyone sees the defaults and their own county's versions, the city sees all.</summary>
public static class FlowScope
{
    /// <summary>The scope a user edits in (0 for the defaults), or a problem when they may edit none.</summary>
    public static Result<int> EditedBy(CurrentUser user) => user.OrgLevel switch
    {
        OrgLevel.City => 0,
        OrgLevel.County => user.OrgUnitId,
        _ => Problem.Forbidden("Flows are configured by the county organisation department (or the city for the defaults)."),
    };

    public static bool CanSee(CurrentUser user, int scopeId) =>
        scopeId == 0 || user.OrgLevel == OrgLevel.City || user.CountyId == scopeId;
}
