using System.Globalization;
using Rectification.Server.Features.Ledger;

namespace Rectification.Server.Web;

/// <summary>The plan editor's form: problems, each tied to situations, each with measures and their four clear points.
/// Rows are added and removed on the server, so the editor works without scripts.</summary>
public sealed class PlanForm
{
    public List<ProblemForm> Problems { get; set; } = [];

    public static PlanForm From(PlanView plan)
    {
        var form = new PlanForm
        {
            Problems = plan.Problems.Select(p => new ProblemForm
            {
                Description = p.Description,
                Situations = p.Situations.ToList(),
                Measures = p.Measures.Select(m => new MeasureForm
                {
                    Measure = m.Measure,
                    Target = m.Target,
                    TownshipResponsible = m.TownshipResponsible,
                    VillageResponsible = m.VillageResponsible,
                    Deadline = m.Deadline.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                }).ToList(),
            }).ToList(),
        };
        if (form.Problems.Count == 0)
        {
            form.Problems.Add(ProblemForm.Empty());
        }

        return form;
    }

    /// <summary>Adds or removes a row: <c>add-problem</c>, <c>add-measure:P</c>, <c>remove-problem:P</c>,
    /// <c>remove-measure:P:M</c>. False for anything else (then the form is saved).</summary>
    public bool Apply(string command)
    {
        var parts = command.Split(':');
        int Index(int i) => parts.Length > i && int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
        var p = Index(1);
        switch (parts[0])
        {
            case "add-problem" when Problems.Count < 50:
                Problems.Add(ProblemForm.Empty());
                return true;
            case "add-measure" when p >= 0 && p < Problems.Count && Problems[p].Measures.Count < 20:
                Problems[p].Measures.Add(new MeasureForm());
                return true;
            case "remove-problem" when p >= 0 && p < Problems.Count:
                Problems.RemoveAt(p);
                return true;
            case "remove-measure" when p >= 0 && p < Problems.Count && Index(2) is var m && m >= 0 && m < Problems[p].Measures.Count:
                Problems[p].Measures.RemoveAt(m);
                return true;
            default:
                // A row command past a limit or out of range changes nothing, and still saves nothing.
                return parts[0].StartsWith("add-", StringComparison.Ordinal) || parts[0].StartsWith("remove-", StringComparison.Ordinal);
        }
    }

    /// <summary>Drops what model binding leaves null from a hostile or broken post: a row posted under an explicit index
    /// that bound nothing is a null element, a list posted as a bare value a null list. Both are a user's input, not the
    /// server's fault, and would otherwise fail on the way to the plan or back into the editor.</summary>
    public PlanForm Clean()
    {
        Problems = Problems?.OfType<ProblemForm>().ToList() ?? [];
        foreach (var problem in Problems)
        {
            problem.Situations = problem.Situations?.OfType<string>().ToList() ?? [];
            problem.Measures = problem.Measures?.OfType<MeasureForm>().ToList() ?? [];
        }

        return this;
    }

    public SavePlan.Request ToRequest() => new(Problems.Select(p => new SavePlan.ProblemInput(
        p.Description,
        p.Situations,
        p.Measures.Select(m => new SavePlan.MeasureInput(m.Measure, m.Target, m.TownshipResponsible, m.VillageResponsible, m.Deadline)).ToList())).ToList());
}

/// <summary>A problem row of the plan editor.</summary>
public sealed class ProblemForm
{
    public string? Description { get; set; }

    public List<string> Situations { get; set; } = [];

    public List<MeasureForm> Measures { get; set; } = [];

    public static ProblemForm Empty() => new() { Measures = [new MeasureForm()] };
}

/// <summary>A measure row of the plan editor.</summary>
public sealed class MeasureForm
{
    public string? Measure { get; set; }

    public string? Target { get; set; }

    public string? TownshipResponsible { get; set; }

    public string? VillageResponsible { get; set; }

    public string? Deadline { get; set; }
}
