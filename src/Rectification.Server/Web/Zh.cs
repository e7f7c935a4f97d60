using System.Globalization;
using System.Text.RegularExpressions;
using Rectification.Server.Infrastructure;
using Rectification.Workflow;
using Rectification.Workflow.Guards;
using Rectification.Workflow.Time;

namespace Rectification.Server.Web;

/// <summary>The pages' Chinese: names of roles, statuses and kinds, dates in Shanghai time, and the use cases'
/// problems (written for API clients, in English) told to people in Chinese.</summary>
public static partial class Zh
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly Dictionary<string, string> Fields = new(StringComparer.OrdinalIgnoreCase)
    {
        ["comment"] = "意见",
        ["note"] = "说明",
        ["fields"] = "字段",
        ["reason"] = "理由",
        ["method"] = "核实方式",
        ["fileName"] = "文件",
        ["file"] = "文件",
        ["deadline"] = "完成时限",
        ["problems"] = "问题",
        ["description"] = "问题描述",
        ["measures"] = "整改措施",
        ["measure"] = "整改措施",
        ["target"] = "整改目标",
        ["townshipResponsible"] = "乡镇责任人",
        ["villageResponsible"] = "村级责任人",
        ["situations"] = "对应情形",
        ["rating"] = "民主测评",
        ["scores"] = "评分",
        ["username"] = "用户名",
        ["password"] = "密码",
        ["villageId"] = "村",
        ["year"] = "年度",
        ["source"] = "来源",
        ["stages"] = "阶段对应",
        ["fromVersion"] = "原版本",
        ["toVersion"] = "新版本",
        ["body"] = "流程文件",
        ["visit"] = "督导走访",
        ["status"] = "状态",
        ["sort"] = "排序",
        ["page"] = "页码",
        ["pageSize"] = "每页条数",
        ["If-Match"] = "版本",
    };

    // The use cases' recurring English messages, most specific first; anything else is shown with its field name.
    private static readonly (Regex Pattern, string Chinese)[] Messages =
    [
        (EnglishRegex(@"^Required, at most (\d+) characters\.$"), "必填，最多$1个字。"),
        (EnglishRegex(@"^At most (\d+) characters\.$"), "最多$1个字。"),
        (EnglishRegex(@"^Required: a date as yyyy-MM-dd\.$"), "必填，日期格式为 年-月-日（如 2026-06-30）。"),
        (EnglishRegex(@"^The deadline has already passed\.$"), "时限已过，请填写今天以后的日期。"),
        (EnglishRegex(@"^Between (\d+) and (\d+) measures\.$"), "每个问题须有$1至$2项措施。"),
        (EnglishRegex(@"^Tie the problem to at least one situation of the case\.$"), "请至少勾选一种对应的软弱涣散情形。"),
        (EnglishRegex(@"^List at least one problem with its measures\.$"), "请至少列出一个问题及其整改措施。"),
        (EnglishRegex(@"^At most (\d+) problems\.$"), "最多$1个问题。"),
        (EnglishRegex(@"^Between (\d+) and (\d+) problems found on the visit\.$"), "请填写走访发现的问题（$1至$2个）。"),
        (EnglishRegex(@"^Say what was done.*$"), "请说明完成情况（最多2000字）。"),
        (EnglishRegex(@"^How it was verified.*$"), "请选择核实方式：书记访谈、查看资料、实地走访或群众座谈。"),
        (EnglishRegex(@"^Say why it is not really fixed.*$"), "请说明退回理由（最多2000字）。"),
        (EnglishRegex(@"^Say why more time is needed.*$"), "请说明延期理由（最多2000字）。"),
        (EnglishRegex(@"^Say why the case is suspended.*$"), "请说明暂停理由（如村“两委”换届）。"),
        (EnglishRegex(@"^A date \(yyyy-MM-dd\) after the current deadline\.$"), "请填写晚于现有时限的日期（年-月-日）。"),
        (EnglishRegex(@"^Name the file.*$"), "请选择要上传的文件（文件名不超过200字）。"),
        (EnglishRegex(@"^Between 0 and ([\d.]+)\.$"), "分值须在0至$1之间。"),
        (EnglishRegex(@"^Score '(.+)' \(0 to ([\d.]+)\)\.$"), "请为“$1”打分（0至$2分）。"),
        (EnglishRegex(@"^The democratic rating needs at least one vote\.$"), "民主测评至少需要一票。"),
        (EnglishRegex(@"^Counts of satisfied.*each 0 to (\d+)\.$"), "满意、基本满意、不满意的票数须在0至$1之间。"),
        (EnglishRegex(@"^Required\.$"), "必填。"),
        (EnglishRegex(@"^Must differ from fromVersion\.$"), "新版本须与原版本不同。"),
        (EnglishRegex(@"^Name the stage of the new version this stage maps to\.$"), "请选择新版本中对应的阶段。"),
        (EnglishRegex(@"^Map at least one stage.*$"), "请至少为一个阶段指定新版本中的对应阶段。"),
        (EnglishRegex(@"^Send the flow as YAML in the request body\.$"), "请填写流程定义（YAML）。"),
        (EnglishRegex(@"^The file is not UTF-8.*$"), "文件不是 UTF-8 编码。"),
        (EnglishRegex(@"^At least one situation code.*$"), "请至少选择一种软弱涣散情形。"),
        (EnglishRegex(@"^Evidence files are at most (\d+) MB\.$"), "证明材料最大 $1 MB。"),
        (EnglishRegex(@"^A flow file is at most (\d+) KB\.$"), "流程文件最大 $1 KB。"),
    ];

    public static string Role(string key) => Roles.All.GetValueOrDefault(key, key);

    public static string LedgerStatus(string status) => status switch
    {
        "open" => "未完成",
        "reported" => "待核验",
        "closed" => "已销号",
        _ => status,
    };

    public static string AlertKind(string kind) => kind switch
    {
        "reminder" => "到期提醒",
        "overdue" => "逾期",
        "escalation" => "升级督办",
        _ => kind,
    };

    public static string Source(string source) => source switch
    {
        "township-report" => "乡镇党委排查上报",
        "supervision-team" => "督导组发现",
        "measure" => "整顿方案措施",
        "feedback" => "督导反馈单",
        _ => source,
    };

    public static string HistoryKind(string kind) => kind switch
    {
        "propose" => "提出",
        "action" => "办理",
        "timer" => "到时自动流转",
        "sign" => "签字确认",
        "plan" => "整顿方案",
        "ledger" => "台账",
        "acceptance" => "验收",
        "accountability" => "责任追究",
        "suspension" => "暂停/恢复",
        "calendar" => "工作日历调整",
        "migration" => "流程迁移",
        _ => kind,
    };

    public static string Date(DateTimeOffset? instant) => instant is { } t ? ShanghaiTime.ToLocal(t).ToString("yyyy-MM-dd", Invariant) : "—";

    public static string Date(DateOnly? day) => day is { } d ? d.ToString("yyyy-MM-dd", Invariant) : "—";

    public static string DateTime(DateTimeOffset? instant) => instant is { } t ? ShanghaiTime.ToLocal(t).ToString("yyyy-MM-dd HH:mm", Invariant) : "—";

    /// <summary>Working days left before a deadline, or behind it, as people say it. A deadline passed over a weekend or
    /// holiday is overdue with no working day behind it yet.</summary>
    public static string DaysLeft(int workingDays, bool overdue) => (overdue, workingDays) switch
    {
        (true, < 0) => $"逾期 {-workingDays} 个工作日",
        (true, _) => "已逾期",
        (false, > 0) => $"剩余 {workingDays} 个工作日",
        _ => "即将到期",
    };

    /// <summary>The field's Chinese name: <c>problems[0].measures[1].deadline</c> becomes 问题1 措施2 完成时限.</summary>
    public static string Field(string key)
    {
        var parts = key.Split('.');
        return string.Join(" ", parts.Select(part =>
        {
            var match = IndexedRegex().Match(part);
            if (!match.Success)
            {
                return Fields.GetValueOrDefault(part, part);
            }

            var name = match.Groups[1].Value switch
            {
                "problems" => "问题",
                "measures" => "措施",
                var other => Fields.GetValueOrDefault(other, other),
            };
            return int.TryParse(match.Groups[2].Value, NumberStyles.None, Invariant, out var index) ? $"{name}{index + 1}" : part;
        }));
    }

    public static string Message(string english)
    {
        foreach (var (pattern, chinese) in Messages)
        {
            if (pattern.IsMatch(english))
            {
                return pattern.Replace(english, chinese);
            }
        }

        // Already Chinese (e.g. the sign-in refusal), or a rare message without a translation: shown as it is.
        return english;
    }

    /// <summary>What went wrong, in Chinese: field errors by field, unmet conditions by their Chinese text, or a
    /// sentence for the status. The keys are the problem's field names, "" for the form as a whole.</summary>
    public static IReadOnlyList<(string Field, string Text)> Explain(Problem problem)
    {
        if (problem.Errors is { Count: > 0 } errors)
        {
            return errors.SelectMany(e => e.Value.Select(m => (e.Key, $"{Field(e.Key)}：{Message(m)}"))).ToList();
        }

        if (problem.Extensions?.GetValueOrDefault("unmet") is IEnumerable<UnmetCondition> unmet)
        {
            return unmet.Select(u => ("", u.MessageZh)).ToList();
        }

        return [("", Status(problem))];
    }

    private static string Status(Problem problem) => problem.Status switch
    {
        StatusCodes.Status404NotFound => "未找到，或不在您的管辖范围内。",
        StatusCodes.Status403Forbidden => "您的角色不能进行此项操作。",
        StatusCodes.Status409Conflict when problem.Extensions?.ContainsKey("currentVersion") == true =>
            "该案件刚被他人更新。页面已刷新为最新内容，您填写的内容仍在，请核对后重新提交。",
        StatusCodes.Status409Conflict when problem.Extensions?.ContainsKey("stage") == true => "案件已不在可办理此操作的阶段，请刷新页面。",
        StatusCodes.Status409Conflict => $"当前状态下不能进行此项操作。{Message(problem.Detail ?? "")}",
        StatusCodes.Status413PayloadTooLarge => $"文件太大：{Message(problem.Detail ?? "")}",
        StatusCodes.Status415UnsupportedMediaType => "文件类型不支持：请上传 JPEG 或 PNG 照片，或 PDF 文件。",
        StatusCodes.Status401Unauthorized => Message(problem.Detail ?? "请先登录。"),
        _ => Message(problem.Detail ?? problem.Title),
    };

    private static Regex EnglishRegex(string pattern) => new(pattern, RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));

    [GeneratedRegex(@"^([A-Za-z]+)\[([0-9]{1,9})\]$", RegexOptions.CultureInvariant)]
    private static partial Regex IndexedRegex();
}
