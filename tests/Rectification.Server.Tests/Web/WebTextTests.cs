using Rectification.Server.Features.Ledger;
using Rectification.Server.Infrastructure;
using Rectification.Server.Web;
using Rectification.Workflow.Guards;

namespace Rectification.Server.Tests.Web;

/// <summary>The pages' Chinese for the use cases' problems, and the plan editor's row commands.</summary>
public sealed class WebTextTests
{
    [Theory]
    [InlineData("problems[0].measures[1].deadline", "问题1 措施2 完成时限")]
    [InlineData("comment", "意见")]
    [InlineData("scores.organisation", "评分 organisation")]
    [InlineData("fields.x[99999999999]", "字段 x[99999999999]")]
    [InlineData("stages.a[٣]", "阶段对应 a[٣]")]
    public void Field_NamesNestedFieldsInChinese(string key, string expected) => Assert.Equal(expected, Zh.Field(key));

    [Theory]
    [InlineData("Required, at most 100 characters.", "必填，最多100个字。")]
    [InlineData("The deadline has already passed.", "时限已过，请填写今天以后的日期。")]
    [InlineData("Score '班子建设' (0 to 20).", "请为“班子建设”打分（0至20分）。")]
    [InlineData("用户名或密码错误，或账号已被临时锁定。", "用户名或密码错误，或账号已被临时锁定。")]
    public void Message_TranslatesTheUseCasesSentences(string english, string chinese) => Assert.Equal(chinese, Zh.Message(english));

    [Fact]
    public void Explain_FieldErrors_UnmetConditionsAndStatuses()
    {
        var invalid = Zh.Explain(Problem.Invalid("problems[0].description", "Required, at most 2000 characters."));
        Assert.Equal(("problems[0].description", "问题1 问题描述：必填，最多2000个字。"), Assert.Single(invalid));

        var blocked = new Problem(422, "Conditions not met", "x", Extensions: new Dictionary<string, object?>
        {
            ["unmet"] = new List<UnmetCondition> { new("plan", "2", "Situation 2 is not covered.", "情形 2 尚无对应的整改措施。") },
        });
        Assert.Equal(("", "情形 2 尚无对应的整改措施。"), Assert.Single(Zh.Explain(blocked)));

        Assert.Contains("他人更新", Assert.Single(Zh.Explain(Rectification.Server.Features.Cases.Preconditions.Stale(4))).Text, StringComparison.Ordinal);
        Assert.Equal("未找到，或不在您的管辖范围内。", Assert.Single(Zh.Explain(Problem.NotFound("No case 9."))).Text);
    }

    [Theory]
    [InlineData(3, false, "剩余 3 个工作日")]
    [InlineData(0, false, "即将到期")]
    [InlineData(0, true, "已逾期")] // due on Friday, seen on Saturday: overdue, though no working day has passed
    [InlineData(-2, true, "逾期 2 个工作日")]
    public void DaysLeft_SaysOverdueEvenOverAWeekend(int days, bool overdue, string expected) => Assert.Equal(expected, Zh.DaysLeft(days, overdue));

    [Fact]
    public void Charts_EscapeNames_AndStopAtTheCurrentMonth()
    {
        var listed = Enumerable.Range(1, 12).ToList();
        var svg = Charts.Conversion([new Rectification.Server.Features.Dashboard.ConversionSeries("<script>县</script>", listed, listed)], "标题 & 图", 3);
        Assert.DoesNotContain("<script>", svg, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;县&lt;/script&gt;", svg, StringComparison.Ordinal);
        Assert.Contains("标题 &amp; 图", svg, StringComparison.Ordinal);
        var points = System.Text.RegularExpressions.Regex.Matches(svg, "points=\"([^\"]*)\"").Select(m => m.Groups[1].Value.Split(' ').Length);
        Assert.All(points, count => Assert.Equal(3, count));
        Assert.Contains("累计 3", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void PlanForm_RowCommands_ReshapeWithinLimits_AndNeverSave()
    {
        var form = PlanForm.From(SavePlan.View(null));
        Assert.Single(form.Problems);
        Assert.True(form.Apply("add-measure:0"));
        Assert.Equal(2, form.Problems[0].Measures.Count);
        Assert.True(form.Apply("remove-measure:0:1"));
        Assert.Single(form.Problems[0].Measures);
        Assert.True(form.Apply("add-problem"));
        Assert.True(form.Apply("remove-problem:1"));
        Assert.Single(form.Problems);

        // Out of range or malformed: nothing changes, and it is still not a save.
        Assert.True(form.Apply("remove-measure:7:0"));
        Assert.True(form.Apply("add-measure:-1"));
        Assert.True(form.Apply("remove-problem:x"));
        Assert.Single(form.Problems);
        Assert.False(form.Apply("save"));
    }
}
