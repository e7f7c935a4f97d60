using System.Globalization;
using System.Net;
using System.Text;
using Rectification.Server.Features.Dashboard;

namespace Rectification.Server.Web;

/// <summary>Charts drawn by the service as SVG: no chart library, no script, printable, readable offline.</summary>
public static class Charts
{
    // Colours that keep 3:1 against white for lines and marks (WCAG non-text contrast).
    private static readonly string[] Palette = ["#b91c1c", "#1d4ed8", "#047857", "#7c3aed", "#b45309", "#0e7490", "#be185d", "#4d7c0f"];

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Cases per stage as horizontal bars, each labelled with its count.</summary>
    public static string StageBars(IReadOnlyList<StageCount> stages, string title)
    {
        const int rowHeight = 28;
        const int labelWidth = 110;
        const int barWidth = 360;
        var max = Math.Max(1, stages.Count == 0 ? 1 : stages.Max(s => s.Cases));
        var height = (stages.Count * rowHeight) + 10;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {labelWidth + barWidth + 50} {height}\" role=\"img\" aria-labelledby=\"bars-title\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title id=\"bars-title\">{Escape(title)}</title>");
        for (var i = 0; i < stages.Count; i++)
        {
            var y = (i * rowHeight) + 5;
            var width = stages[i].Cases * barWidth / max;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth - 8}\" y=\"{y + 18}\" text-anchor=\"end\" font-size=\"13\" fill=\"#1f2937\">{Escape(stages[i].Name)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{labelWidth}\" y=\"{y + 4}\" width=\"{Math.Max(width, 1)}\" height=\"18\" fill=\"#b91c1c\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth + width + 6}\" y=\"{y + 18}\" font-size=\"13\" fill=\"#1f2937\">{stages[i].Cases}</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>Cumulative listed (dashed) and converted (solid) branches month by month, one colour per series; the
    /// lines stop at <paramref name="months"/> (the current month of the current year: the future is not drawn flat).</summary>
    public static string Conversion(IReadOnlyList<ConversionSeries> series, string title, int months = 12)
    {
        const int left = 40;
        const int top = 10;
        const int width = 480;
        const int height = 200;
        var max = Math.Max(1, series.SelectMany(s => s.Listed.Concat(s.Converted)).DefaultIfEmpty(0).Max());
        var legendHeight = (series.Count * 36) + 10;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {left + width + 20} {top + height + 30 + legendHeight}\" role=\"img\" aria-labelledby=\"conversion-title\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title id=\"conversion-title\">{Escape(title)}</title>");
        double X(int month) => left + ((month - 1) * width / 11.0);
        double Y(int value) => top + height - (value * (double)height / max);
        foreach (var tick in new[] { 0, max / 2, max }.Distinct())
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" x2=\"{left + width}\" y1=\"{Y(tick):0.#}\" y2=\"{Y(tick):0.#}\" stroke=\"#d1d5db\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{Y(tick) + 4:0.#}\" text-anchor=\"end\" font-size=\"12\" fill=\"#374151\">{tick}</text>");
        }

        for (var month = 1; month <= 12; month++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(month):0.#}\" y=\"{top + height + 18}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#374151\">{month}月</text>");
        }

        for (var i = 0; i < series.Count; i++)
        {
            var colour = Palette[i % Palette.Length];
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"6 4\" points=\"{Points(series[i].Listed.Take(months).ToList(), X, Y)}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"3\" points=\"{Points(series[i].Converted.Take(months).ToList(), X, Y)}\"/>");
            var y = top + height + 40 + (i * 36);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" x2=\"{left + 30}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + 36}\" y=\"{y + 4}\" font-size=\"12\" fill=\"#1f2937\">{Escape(series[i].Name)} 列入（累计 {series[i].Listed[Math.Clamp(months, 1, 12) - 1]}）</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left + 250}\" x2=\"{left + 280}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"3\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + 286}\" y=\"{y + 4}\" font-size=\"12\" fill=\"#1f2937\">转化（累计 {series[i].Converted[Math.Clamp(months, 1, 12) - 1]}）</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static string Points(IReadOnlyList<int> values, Func<int, double> x, Func<int, double> y) =>
        string.Join(" ", values.Select((v, i) => string.Create(Invariant, $"{x(i + 1):0.#},{y(v):0.#}")));

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
