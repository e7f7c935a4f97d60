using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rectification.Server.Features.Auth;
using Rectification.Server.Infrastructure;

namespace Rectification.Server.Web;

/// <summary>What every page shares: the signed-in user, a notice carried over a redirect, and the errors of a refused
/// form shown beside its fields with what the user typed kept.</summary>
public abstract class WebPage : PageModel
{
    private CurrentUser? _me;

    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.OrdinalIgnoreCase);

    // Fields whose errors the page has shown beside them; the rest are listed at the end of the form.
    private readonly HashSet<string> _shown = new(StringComparer.OrdinalIgnoreCase);

    public CurrentUser Me => _me ??= HttpContext.GetCurrentUser();

    /// <summary>A one-line confirmation after a change ("已提交"), shown once on the page redirected to.</summary>
    [TempData]
    public string? Notice { get; set; }

    /// <summary>Which form on the page was refused; only that form shows errors and keeps the posted values.</summary>
    public string? FailedForm { get; private set; }

    public bool HasErrors(string form) => FailedForm == form;

    /// <summary>Errors of the refused form that belong to no single field.</summary>
    public IReadOnlyList<string> FormErrors(string form) => FailedForm == form ? _errors.GetValueOrDefault("") ?? [] : [];

    /// <summary>Errors for one field, by the name the use case gives it (e.g. <c>problems[0].measures[1].deadline</c>).</summary>
    public IReadOnlyList<string> ErrorsFor(string form, string field)
    {
        if (FailedForm != form)
        {
            return [];
        }

        _shown.Add(field);
        return _errors.GetValueOrDefault(field) ?? [];
    }

    /// <summary>Field errors of the refused form not shown beside a field (each names its field), for the form's end.</summary>
    public IReadOnlyList<string> OtherErrors(string form) => FailedForm == form
        ? _errors.Where(e => e.Key.Length > 0 && !_shown.Contains(e.Key)).SelectMany(e => e.Value).ToList()
        : [];

    /// <summary>Every error of the refused form, for a form with no field of its own to show them beside (filters).</summary>
    public IReadOnlyList<string> AllErrors(string form) => FailedForm == form ? _errors.Values.SelectMany(v => v).ToList() : [];

    /// <summary>What the user typed into a field of the refused form, so nothing is lost.</summary>
    public string? Posted(string form, string name) =>
        FailedForm == form && Request.HasFormContentType && Request.Form.TryGetValue(name, out var value) ? value.ToString() : null;

    /// <summary>The posted form, or an empty one when the body is not a form (a hand-made JSON post must not fail).</summary>
    protected IFormCollection Form => Request.HasFormContentType ? Request.Form : FormCollection.Empty;

    /// <summary>Shows a use case's problem on <paramref name="form"/> and renders the page again with the answer's status.</summary>
    protected void Refuse(string form, Problem problem)
    {
        FailedForm = form;
        foreach (var (field, text) in Zh.Explain(problem))
        {
            var key = problem.Errors?.ContainsKey(field) == true ? field : "";
            if (!_errors.TryGetValue(key, out var list))
            {
                _errors[key] = list = [];
            }

            list.Add(text);
        }

        Response.StatusCode = problem.Status is >= 400 and < 500 ? problem.Status : StatusCodes.Status400BadRequest;
    }

    /// <summary>After a change: the notice for the next page and a redirect, so a reload does not post twice.</summary>
    protected RedirectResult Done(string notice, string url)
    {
        Notice = notice;
        return Redirect(url);
    }
}
