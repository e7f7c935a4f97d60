using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MiniExcelLibs;
using Rectification.Server.Data;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Dispatch;

/// <summary>A stored dispatch as the API shows it.</summary>
public sealed record DispatchView(int Id, int CountyId, DateOnly WeekOf, DateTimeOffset GeneratedAt, DispatchContent Content);

/// <summary>The weekly dispatches of the caller's county (or every county of the city), the latest, and an xlsx of one.</summary>
public static class DispatchEndpoints
{
    public static IServiceCollection AddDispatch(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration) => services
        .AddSingleton(configuration.GetSection(DispatchOptions.Section).Get<DispatchOptions>() ?? new DispatchOptions())
        .AddSingleton<WeeklyDispatch>();

    public static IEndpointRouteBuilder MapDispatchEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/dispatch").WithTags("Dispatch");
        group.MapGet("/", async (HttpContext http, AppDbContext db, CancellationToken ct) =>
                TypedResults.Ok((await Visible(db, http.GetCurrentUser()).OrderByDescending(d => d.WeekOf).ThenBy(d => d.CountyId).Take(200).ToListAsync(ct))
                    .Select(View).ToList()))
            .WithSummary("Weekly dispatches (每周调度) of the caller's county, or of every county for the city; newest first.")
            .Produces<IReadOnlyList<DispatchView>>();
        group.MapGet("/latest", async (HttpContext http, AppDbContext db, CancellationToken ct) =>
            {
                var latest = await Visible(db, http.GetCurrentUser()).OrderByDescending(d => d.WeekOf).ThenBy(d => d.CountyId).FirstOrDefaultAsync(ct);
                return latest is null ? Problem.NotFound("No dispatch has been made yet.").ToProblemResult() : TypedResults.Ok(View(latest));
            })
            .WithSummary("The newest weekly dispatch the caller may see.")
            .Produces<DispatchView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{id:int}/export.xlsx", async (int id, HttpContext http, AppDbContext db, CancellationToken ct) =>
            {
                var report = await Visible(db, http.GetCurrentUser()).SingleOrDefaultAsync(d => d.Id == id, ct);
                if (report is null)
                {
                    return Problem.NotFound($"No dispatch {id}.").ToProblemResult();
                }

                var stream = await WorkbookAsync(View(report).Content, ct);
                return TypedResults.File(stream, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"每周调度-{report.WeekOf:yyyyMMdd}.xlsx");
            })
            .WithSummary("One dispatch as an Excel workbook.")
            .Produces(StatusCodes.Status200OK, contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>One dispatch as a workbook: the overview, cases by stage, and the townships ranked.</summary>
    public static async Task<MemoryStream> WorkbookAsync(DispatchContent content, CancellationToken cancellationToken)
    {
        var sheets = new Dictionary<string, object>
        {
            ["概况"] = new[]
            {
                new Dictionary<string, object?>
                {
                    ["县(市区)"] = ExcelText.Safe(content.County),
                    ["起"] = content.From.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture),
                    ["止"] = content.To.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture),
                    ["本周销号"] = content.ItemsClosed,
                    ["新增逾期"] = content.NewlyOverdue.Count,
                    ["长期逾期"] = content.LongOverdue.Count,
                    ["批准延期"] = content.ExtensionsGranted,
                },
            },
            ["各阶段案件"] = content.CasesByStage.Select(s => new Dictionary<string, object?> { ["阶段"] = ExcelText.Safe(s.Key), ["案件数"] = s.Value }).ToList(),
            ["乡镇排名"] = content.Townships.Select((t, i) => new Dictionary<string, object?>
            {
                ["名次"] = i + 1,
                ["乡镇"] = ExcelText.Safe(t.Township),
                ["未销号事项"] = t.OpenItems,
                ["逾期事项"] = t.OverdueItems,
                ["逾期占比"] = t.OverdueShare,
            }).ToList(),
        };
        var stream = new MemoryStream();
        await MiniExcel.SaveAsAsync(stream, sheets, cancellationToken: cancellationToken);
        stream.Position = 0;
        return stream;
    }

    /// <summary>The dispatches the user may see: their county's, or every county's of their city. It ranks the
    /// townships, so it is for the county and the city; a township sees its own work on its pages.</summary>
    public static IQueryable<DispatchReport> Visible(AppDbContext db, CurrentUser user)
    {
        var reports = db.Set<DispatchReport>().AsNoTracking();
        return user.OrgLevel switch
        {
            OrgLevel.City => reports.Where(d => db.OrgUnits.Any(o => o.Id == d.CountyId && o.ParentId == user.OrgUnitId)),
            OrgLevel.County => reports.Where(d => d.CountyId == user.OrgUnitId),
            _ => reports.Where(d => false),
        };
    }

    public static DispatchView View(DispatchReport report) => new(report.Id, report.CountyId, report.WeekOf, ShanghaiTime.ToLocal(report.GeneratedAt),
        JsonSerializer.Deserialize<DispatchContent>(report.Content, WeeklyDispatch.Json)!);
}
