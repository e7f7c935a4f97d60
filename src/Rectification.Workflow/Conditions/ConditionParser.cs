using System.Text;

namespace Rectification.Workflow.Conditions;

/// <summary>A recursive-descent parser for routing conditions. Grammar:
/// <code>
/// or         := and ("or" and)*
/// and        := unary ("and" unary)*
/// unary      := "not" unary | "(" or ")" | comparison
/// comparison := name ("contains" value | ("==" | "!=" | "&lt;" | "&lt;=" | "&gt;" | "&gt;=") value
///               | "in" "[" value ("," value)* "]" | "is" "set")
/// </code>
/// Values are bare words, numbers or quoted strings. Errors are <see cref="FormatException"/>s naming the column.</summary>
internal sealed class ConditionParser(string text)
{
    /// <summary>Conditions are one line of a flow file; anything longer is a mistake.</summary>
    private const int MaxLength = 500;

    private const int MaxDepth = 16;

    private readonly List<Token> _tokens = Tokenize(text);
    private int _position;
    private int _depth;

    public Condition ParseAll()
    {
        var condition = ParseOr();
        if (Peek() is { } extra)
        {
            throw Error(extra, $"unexpected '{extra.Text}'");
        }

        return condition;
    }

    private Condition ParseOr()
    {
        var left = ParseAnd();
        while (TakeWord("or"))
        {
            left = new OrCondition(left, ParseAnd());
        }

        return left;
    }

    private Condition ParseAnd()
    {
        var left = ParseUnary();
        while (TakeWord("and"))
        {
            left = new AndCondition(left, ParseUnary());
        }

        return left;
    }

    private Condition ParseUnary()
    {
        if (Peek() is { } token && ((token.Kind == TokenKind.Word && token.Text == "not") || (token.Kind == TokenKind.Symbol && token.Text == "(")))
        {
            // Only 'not' and '(' nest; the depth bound keeps a hostile condition from exhausting the stack.
            if (++_depth > MaxDepth)
            {
                throw Error(token, $"nested more than {MaxDepth} levels deep");
            }

            try
            {
                if (TakeWord("not"))
                {
                    return new NotCondition(ParseUnary());
                }

                TakeSymbol("(");
                var inner = ParseOr();
                Expect(")");
                return inner;
            }
            finally
            {
                _depth--;
            }
        }

        return ParseComparison();
    }

    private Comparison ParseComparison()
    {
        var name = Next("a field name or 'situations'");
        if (name.Kind != TokenKind.Word || IsKeyword(name.Text))
        {
            throw Error(name, $"expected a field name or 'situations', found '{name.Text}'");
        }

        var op = Next("an operator (contains, ==, !=, <, <=, >, >=, in, is set)");
        if (name.Text == ConditionFacts.SituationsName && op.Text is not ("contains" or "in" or "is"))
        {
            // Situations are a set of codes: other comparisons would silently never hold.
            throw Error(op, $"'situations' takes contains, in or is set, not '{op.Text}'");
        }

        if (op.Text is "<" or "<=" or ">" or ">=")
        {
            var bound = Peek();
            if (bound is null || !decimal.TryParse(bound.Text, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                throw bound is null ? new FormatException($"expected a number after '{op.Text}' at the end") : Error(bound, $"'{op.Text}' compares numbers; '{bound.Text}' is not one");
            }
        }

        switch (op.Text)
        {
            case "contains":
                return new Comparison(name.Text, ComparisonOperator.Contains, [Value()]);
            case "==":
                return new Comparison(name.Text, ComparisonOperator.Equal, [Value()]);
            case "!=":
                return new Comparison(name.Text, ComparisonOperator.NotEqual, [Value()]);
            case "<":
                return new Comparison(name.Text, ComparisonOperator.Less, [Value()]);
            case "<=":
                return new Comparison(name.Text, ComparisonOperator.LessOrEqual, [Value()]);
            case ">":
                return new Comparison(name.Text, ComparisonOperator.Greater, [Value()]);
            case ">=":
                return new Comparison(name.Text, ComparisonOperator.GreaterOrEqual, [Value()]);
            case "is":
                var set = Next("'set'");
                return set.Text == "set" ? new Comparison(name.Text, ComparisonOperator.IsSet, []) : throw Error(set, "expected 'set' after 'is'");
            case "in":
                Expect("[");
                var values = new List<string> { Value() };
                while (TakeSymbol(","))
                {
                    values.Add(Value());
                }

                Expect("]");
                return new Comparison(name.Text, ComparisonOperator.In, values);
            default:
                throw Error(op, $"expected an operator (contains, ==, !=, <, <=, >, >=, in, is set), found '{op.Text}'");
        }
    }

    private string Value()
    {
        var token = Next("a value");
        return token.Kind is TokenKind.Word or TokenKind.Quoted && !(token.Kind == TokenKind.Word && IsKeyword(token.Text))
            ? token.Text
            : throw Error(token, $"expected a value, found '{token.Text}'");
    }

    private static bool IsKeyword(string word) => word is "and" or "or" or "not" or "in" or "is" or "contains";

    private bool TakeWord(string word)
    {
        if (Peek() is { Kind: TokenKind.Word } token && token.Text == word)
        {
            _position++;
            return true;
        }

        return false;
    }

    private bool TakeSymbol(string symbol)
    {
        if (Peek() is { Kind: TokenKind.Symbol } token && token.Text == symbol)
        {
            _position++;
            return true;
        }

        return false;
    }

    private void Expect(string symbol)
    {
        var token = Next($"'{symbol}'");
        if (token.Text != symbol)
        {
            throw Error(token, $"expected '{symbol}', found '{token.Text}'");
        }
    }

    private Token? Peek() => _position < _tokens.Count ? _tokens[_position] : null;

    private Token Next(string expected) =>
        _position < _tokens.Count ? _tokens[_position++] : throw new FormatException($"expected {expected} at the end");

    private static FormatException Error(Token token, string message) => new($"{message} (column {token.Column})");

    private static List<Token> Tokenize(string text)
    {
        if (text.Length > MaxLength)
        {
            throw new FormatException($"longer than {MaxLength} characters");
        }

        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '(' or ')' or '[' or ']' or ',')
            {
                tokens.Add(new Token(TokenKind.Symbol, c.ToString(), i + 1));
                i++;
            }
            else if (c is '=' or '!' or '<' or '>')
            {
                var two = i + 1 < text.Length && text[i + 1] == '=';
                var op = two ? text.Substring(i, 2) : c.ToString();
                if (op is "=" or "!")
                {
                    throw new FormatException($"unknown operator '{op}'; write == or != (column {i + 1})");
                }

                tokens.Add(new Token(TokenKind.Symbol, op, i + 1));
                i += op.Length;
            }
            else if (c is '"' or '\'')
            {
                var end = text.IndexOf(c, i + 1);
                if (end < 0)
                {
                    throw new FormatException($"unclosed quote (column {i + 1})");
                }

                tokens.Add(new Token(TokenKind.Quoted, text[(i + 1)..end], i + 1));
                i = end + 1;
            }
            else
            {
                var start = i;
                var word = new StringBuilder();
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('(' or ')' or '[' or ']' or ',' or '=' or '!' or '<' or '>' or '"' or '\''))
                {
                    word.Append(text[i++]);
                }

                tokens.Add(new Token(TokenKind.Word, word.ToString(), start + 1));
            }
        }

        return tokens;
    }

    private enum TokenKind
    {
        Word,
        Quoted,
        Symbol,
    }

    private sealed record Token(TokenKind Kind, string Text, int Column);
}
