using Rectification.Server.Features.Auth;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;

namespace Rectification.Server.Features.Import;

/// <summary>Bulk input from the spreadsheets offices already keep.</summary>
public static class ImportEndpoints
{
    private const string Xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    public static IServiceCollection AddImport(this IServiceCollection services) => services.AddScoped<ImportScreening.Handler>();

    public static IEndpointRouteBuilder MapImportEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/import/screening").WithTags("Import");
        group.MapPost("/", async (HttpRequest request, HttpContext http, ImportScreening.Handler handler, CancellationToken ct) =>
            {
                var csv = request.ContentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) == true;
                if (!csv && request.ContentType?.StartsWith(Xlsx, StringComparison.OrdinalIgnoreCase) != true)
                {
                    return Problem.Invalid("Content-Type", $"Send the file as {Xlsx} or text/csv.").ToProblemResult();
                }

                if (request.ContentLength > ImportScreening.MaxBytes)
                {
                    return new Problem(StatusCodes.Status413PayloadTooLarge, "Too large", "A screening file is at most 5 MB.").ToProblemResult();
                }

                // Buffered (bounded) because the xlsx reader needs to seek; the bound is checked while copying too.
                await using var buffer = new MemoryStream();
                var chunk = new byte[81920];
                int read;
                while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
                {
                    if (buffer.Length + read > ImportScreening.MaxBytes)
                    {
                        return new Problem(StatusCodes.Status413PayloadTooLarge, "Too large", "A screening file is at most 5 MB.").ToProblemResult();
                    }

                    await buffer.WriteAsync(chunk.AsMemory(0, read), ct);
                }

                buffer.Position = 0;
                var result = await handler.HandleAsync(http.GetCurrentUser(), buffer, csv, ct);
                return result.ToHttp(r => TypedResults.Ok(r));
            })
            .Accepts<byte[]>(Xlsx, "text/csv")
            .RequireAuthorization(p => p.RequireRole(Roles.TownshipSecretary, Roles.Inspector, Roles.CountyAdmin))
            .WithBodyLimit(ImportScreening.MaxBytes)
            .WithSummary("Propose cases from screening results (.xlsx or CSV: 村, 情形, 来源, 备注, 年度). Any bad row: nothing imported, 422 listing every bad row.")
            .Produces<ImportScreening.Response>()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapGet("/template.xlsx", async (CancellationToken ct) =>
                TypedResults.File(await ImportScreening.TemplateAsync(ct), Xlsx, "摸底排查导入模板.xlsx"))
            .RequireAuthorization(p => p.RequireRole(Roles.TownshipSecretary, Roles.Inspector, Roles.CountyAdmin))
            .WithSummary("The template for screening imports.")
            .Produces(StatusCodes.Status200OK, contentType: Xlsx);
        return app;
    }
}
