using Microsoft.EntityFrameworkCore;
using MiniExcelLibs;
using MiniExcelLibs.Attributes;
using MiniExcelLibs.OpenXml;
using Rectification.Server.Data;
using Rectification.Server.Features.Acceptance;
using Rectification.Server.Features.Auth;
using Rectification.Server.Infrastructure;
using Rectification.Workflow.Situations;
using Rectification.Workflow.Time;

namespace Rectification.Server.Features.Ledger;

/// <summary>The ledger as offices keep it in Excel: a summary sheet, then one sheet per township with the columns of
/// shared/domain.md, Chinese headers, dates as dates and a frozen header row. Rows stream from the database into a
/// temporary file, so a county with thousands of items is never held in memory at once.</summary>
public static class ExportLedger
{
    private static readonly string[] DateColumns = ["完成时限", "销号日期"];

    public sealed class Handler(AppDbContext db, ListLedger.Handler list, SituationCatalog situations, TimeProvider clock)
    {
        public async Task<Result<FileStream>> HandleAsync(CurrentUser user, ListLedger.Query query, CancellationToken cancellationToken)
        {
            var filtered = list.Filter(user, query);
            if (!filtered.Succeeded)
            {
                return filtered.Problem;
            }

            var items = filtered.Value;
            var caseIds = await items.Select(i => i.CaseId).Distinct().ToListAsync(cancellationToken);
            var cases = await db.Cases.AsNoTracking().Where(c => caseIds.Contains(c.Id)).Include(c => c.Fields)
                .ToDictionaryAsync(c => c.Id, cancellationToken);
            var outcomes = (await db.Set<AcceptanceRecord>().AsNoTracking().Where(a => caseIds.Contains(a.CaseId))
                    .Select(a => new { a.CaseId, a.StageVisit, a.Passed }).ToListAsync(cancellationToken))
                .GroupBy(a => a.CaseId).ToDictionary(g => g.Key, g => g.MaxBy(a => a.StageVisit)!.Passed ? "合格" : "不合格");
            var accountability = (await db.Set<Accountability.AccountabilityAction>().AsNoTracking().Where(a => caseIds.Contains(a.CaseId)).ToListAsync(cancellationToken))
                .SelectMany(a => a.Items.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(item => (Item: int.Parse(item, System.Globalization.CultureInfo.InvariantCulture), Text: $"{a.Kind}：{a.Person}（{a.Ground}）")))
                .GroupBy(x => x.Item).ToDictionary(g => g.Key, g => string.Join("；", g.Select(x => x.Text)));
            var unitIds = cases.Values.SelectMany(c => new[] { c.CountyId, c.TownshipId, c.VillageId }).Distinct().ToList();
            var names = await db.OrgUnits.AsNoTracking().Where(o => unitIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, cancellationToken);
            var townships = cases.Values.Select(c => c.TownshipId).Distinct().OrderBy(id => names[id], StringComparer.Ordinal).ToList();
            var now = clock.GetUtcNow();

            var summary = await items.GroupBy(i => new { i.TownshipId, i.Status })
                .Select(g => new { g.Key.TownshipId, g.Key.Status, Count = g.Count(), Overdue = g.Count(i => i.Status != LedgerStatus.Closed && i.Deadline < now) })
                .ToListAsync(cancellationToken);
            var sheets = new Dictionary<string, object>
            {
                ["汇总"] = townships.Select(t => new Dictionary<string, object?>
                {
                    ["乡镇"] = ExcelText.Safe(names[t]),
                    ["事项总数"] = summary.Where(s => s.TownshipId == t).Sum(s => s.Count),
                    ["未完成"] = summary.Where(s => s.TownshipId == t && s.Status == LedgerStatus.Open).Sum(s => s.Count),
                    ["待核验"] = summary.Where(s => s.TownshipId == t && s.Status == LedgerStatus.Reported).Sum(s => s.Count),
                    ["已销号"] = summary.Where(s => s.TownshipId == t && s.Status == LedgerStatus.Closed).Sum(s => s.Count),
                    ["逾期"] = summary.Where(s => s.TownshipId == t).Sum(s => s.Overdue),
                }).ToList(),
            };
            var sheetNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "汇总" };
            foreach (var township in townships)
            {
                // Enumerated while the file is written: one township's rows at a time, straight from the database.
                sheets[UniqueSheetName(names[township], township, sheetNames)] = Rows(items.Where(i => i.TownshipId == township).Include(i => i.Situations).OrderBy(i => i.Deadline).ThenBy(i => i.Id),
                    cases, names, outcomes, accountability);
            }

            var path = Path.Combine(Path.GetTempPath(), $"ledger-{Guid.NewGuid():N}.xlsx");
            var configuration = new OpenXmlConfiguration
            {
                FreezeRowCount = 1,
                DynamicColumns = DateColumns.Select(c => new DynamicExcelColumn(c) { Format = "yyyy-MM-dd", Width = 12 }).ToArray(),
            };
            await MiniExcel.SaveAsAsync(path, sheets, configuration: configuration, cancellationToken: cancellationToken);
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        }

        private IEnumerable<Dictionary<string, object?>> Rows(IQueryable<LedgerItem> items, Dictionary<int, Cases.Case> cases, Dictionary<int, string> names,
            Dictionary<int, string> outcomes, Dictionary<int, string> accountability)
        {
            var number = 0;
            foreach (var item in items.AsEnumerable())
            {
                var @case = cases[item.CaseId];
                string? Field(string key) => @case.Fields.FirstOrDefault(f => f.Key == key)?.Value;
                yield return new Dictionary<string, object?>
                {
                    ["序号"] = ++number,
                    ["县(市区)"] = ExcelText.Safe(names[@case.CountyId]),
                    ["乡镇"] = ExcelText.Safe(names[@case.TownshipId]),
                    ["村"] = ExcelText.Safe(names[@case.VillageId]),
                    ["软弱涣散类型"] = ExcelText.Safe(string.Join("；", item.Situations.Select(s => situations.Find(s.Code)?.Text ?? s.Code))),
                    ["主要问题"] = ExcelText.Safe(item.Problem),
                    ["整改措施"] = ExcelText.Safe(item.Measure),
                    ["乡镇责任人"] = ExcelText.Safe(item.TownshipResponsible),
                    ["村级责任人"] = ExcelText.Safe(item.VillageResponsible),
                    ["包保县级领导"] = ExcelText.Safe(Field("countyLeader")),
                    ["包保部门"] = ExcelText.Safe(Field("pairedDepartment")),
                    ["第一书记"] = ExcelText.Safe(Field("firstSecretary")),
                    ["完成时限"] = ShanghaiTime.DateOf(item.Deadline).ToDateTime(TimeOnly.MinValue),
                    ["进展情况"] = ExcelText.Safe(item.Status switch
                    {
                        LedgerStatus.Open => item.ReopenCount > 0 ? $"整改中（已重新打开 {item.ReopenCount} 次：{item.ReopenReason}）" : "整改中",
                        LedgerStatus.Reported => $"已报完成：{item.ReportNote}",
                        _ => $"已完成：{item.ReportNote}",
                    }),
                    ["是否销号"] = item.Status == LedgerStatus.Closed ? "是" : "否",
                    ["销号日期"] = item.ClosedAt is { } closed ? ShanghaiTime.DateOf(closed).ToDateTime(TimeOnly.MinValue) : null,
                    ["核验人"] = ExcelText.Safe(item.ClosedByName is null ? null : $"{item.ClosedByName}（{item.VerificationMethod}）"),
                    ["验收结果"] = outcomes.GetValueOrDefault(item.CaseId, ""),
                    ["连续列入次数"] = @case.TimesListed,
                    ["责任追究"] = ExcelText.Safe(accountability.GetValueOrDefault(item.Id)),
                };
            }
        }

        // Excel reads a cell starting with = + - @ as a formula: what people typed must stay text.
        // Sheet names: at most 31 characters, none of : \ / ? * [ ], unique in the workbook (two counties may each have a 城关镇).
        private static string UniqueSheetName(string name, int id, HashSet<string> taken)
        {
            var clean = new string(name.Where(c => c is not (':' or '\\' or '/' or '?' or '*' or '[' or ']') && !char.IsControl(c)).Take(24).ToArray());
            var candidate = clean.Length == 0 ? $"乡镇{id}" : clean;
            if (!taken.Add(candidate))
            {
                candidate = $"{clean}（{id}）";
                taken.Add(candidate);
            }

            return candidate;
        }
    }
}
