using System.Net.Http.Headers;
using System.Text;

namespace Rectification.Server.Tests.Infrastructure;

/// <summary>Flow files for tests: the shipped default, and a county's variant of it.</summary>
public static class Flows
{
    public static string Default => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "workflows", "rectification.yaml"));

    /// <summary>丰满区's stricter flow: branches with 黑恶势力 (situation 6) go through a crackdown stage first, planning
    /// gets 20 working days, villagers' review is signed by the county and a democratic rating by the inspectors.</summary>
    public static string CountyVariant => Replace(Default,
        ("""
              - key: confirm
                name: 确认列入
                roles: [county-admin]
                to: assigning
        """, """
              - key: confirm
                name: 确认列入
                roles: [county-admin]
                to:
                  - if: situations contains 6
                    then: crackdown
                  - else: assigning
        """),
        ("""
          - key: assigning
            name: 包保落实
        """, """
          - key: crackdown
            name: 扫黑除恶专项整治
            roles: [county-admin]
            deadline: 20 working days
            actions:
              - key: crackdown-done
                name: 专项整治完成
                roles: [county-admin]
                to: assigning

          - key: assigning
            name: 包保落实
        """),
        ("deadline: 15 working days\n    actions:\n      - key: submit-plan", "deadline: 20 working days\n    actions:\n      - key: submit-plan"),
        ("      - { key: villagers-review, name: 群众点评, role: inspector }\n",
         "      - { key: villagers-review, name: 群众点评, role: county-admin }\n      - { key: democratic-rating, name: 民主测评, role: inspector }\n"));

    /// <summary>The default flow where the county may also request acceptance, and have a case scored afresh (重新评分, a
    /// new visit of 县级验收): moves after which the county's own next action waits on the ledger or on the scores.</summary>
    public static string CountyAlsoRequestsAcceptance => Replace(Default,
        ("    roles: [township-secretary]\n    deadline: 6 months", "    roles: [township-secretary, county-admin]\n    deadline: 6 months"),
        ("        roles: [township-secretary]\n        to: reviewing", "        roles: [township-secretary, county-admin]\n        to: reviewing"),
        ("      - key: fail\n", "      - key: rescore\n        name: 重新评分\n        roles: [county-admin]\n        to: accepting\n      - key: fail\n"));

    public static StringContent Yaml(string yaml) => new(yaml, Encoding.UTF8, new MediaTypeHeaderValue("application/yaml"));

    private static string Replace(string yaml, params (string Old, string New)[] edits)
    {
        foreach (var (old, @new) in edits)
        {
            var from = old.ReplaceLineEndings("\n");
            if (!yaml.Contains(from, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The default flow no longer contains: {from}");
            }

            yaml = yaml.Replace(from, @new.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        }

        return yaml;
    }
}
