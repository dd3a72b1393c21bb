using System.Globalization;

namespace Switchboard.Servers.Utilities.Math;

/// <summary>
/// A recursive-descent evaluator for arithmetic expressions. It reads numbers, operators, parentheses, a fixed set
/// of functions and constants, and nothing else: there is no way to name a variable, a type or a method, so no input
/// can run code. Nesting depth and length are bounded so the recursion cannot overflow the stack.
/// </summary>
/// <remarks>
/// Grammar, lowest precedence first:
/// <code>
/// expr    := term (('+' | '-') term)*
/// term    := unary (('*' | '/' | '%') unary)*
/// unary   := ('+' | '-') unary | power
/// power   := postfix ('^' unary)?          right-associative; -2^2 = -4 as in mathematics
/// postfix := primary '!'*
/// primary := number | constant | function '(' expr (',' expr)* ')' | '(' expr ')'
/// </code>
/// </remarks>
internal sealed class ExpressionParser
{
    private const int MaxDepth = 100;

    private static readonly Dictionary<string, double> Constants = new(StringComparer.OrdinalIgnoreCase)
    {
        ["pi"] = System.Math.PI,
        ["e"] = System.Math.E,
        ["tau"] = System.Math.Tau,
        ["phi"] = (1 + System.Math.Sqrt(5)) / 2,
    };

    private static readonly HashSet<string> Poles = new(["ln", "log", "log10", "log2", "pow"], StringComparer.OrdinalIgnoreCase);

    private static readonly Dictionary<string, (int Min, int Max, Func<double[], double> Apply)> Functions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["abs"] = (1, 1, a => System.Math.Abs(a[0])),
        ["sqrt"] = (1, 1, a => System.Math.Sqrt(a[0])),
        ["cbrt"] = (1, 1, a => System.Math.Cbrt(a[0])),
        ["exp"] = (1, 1, a => System.Math.Exp(a[0])),
        ["ln"] = (1, 1, a => System.Math.Log(a[0])),
        ["log"] = (1, 2, a => a.Length == 2 ? System.Math.Log(a[0], a[1]) : System.Math.Log10(a[0])),
        ["log10"] = (1, 1, a => System.Math.Log10(a[0])),
        ["log2"] = (1, 1, a => System.Math.Log2(a[0])),
        ["sin"] = (1, 1, a => System.Math.Sin(a[0])),
        ["cos"] = (1, 1, a => System.Math.Cos(a[0])),
        ["tan"] = (1, 1, a => System.Math.Tan(a[0])),
        ["asin"] = (1, 1, a => System.Math.Asin(a[0])),
        ["acos"] = (1, 1, a => System.Math.Acos(a[0])),
        ["atan"] = (1, 1, a => System.Math.Atan(a[0])),
        ["atan2"] = (2, 2, a => System.Math.Atan2(a[0], a[1])),
        ["sinh"] = (1, 1, a => System.Math.Sinh(a[0])),
        ["cosh"] = (1, 1, a => System.Math.Cosh(a[0])),
        ["tanh"] = (1, 1, a => System.Math.Tanh(a[0])),
        ["floor"] = (1, 1, a => System.Math.Floor(a[0])),
        ["ceil"] = (1, 1, a => System.Math.Ceiling(a[0])),
        ["trunc"] = (1, 1, a => System.Math.Truncate(a[0])),
        ["round"] = (1, 2, Round),
        ["sign"] = (1, 1, a => System.Math.Sign(a[0])),
        ["pow"] = (2, 2, a => System.Math.Pow(a[0], a[1])),
        ["hypot"] = (2, 2, a => System.Math.Sqrt((a[0] * a[0]) + (a[1] * a[1]))),
        ["min"] = (1, 1000, a => a.Min()),
        ["max"] = (1, 1000, a => a.Max()),
        ["sum"] = (1, 1000, a => a.Sum()),
        ["avg"] = (1, 1000, a => a.Average()),
        ["deg"] = (1, 1, a => a[0] * 180 / System.Math.PI),
        ["rad"] = (1, 1, a => a[0] * System.Math.PI / 180),
    };

    private readonly string _text;
    private int _position;
    private int _depth;

    private ExpressionParser(string text) => _text = text;

    /// <summary>The names of the functions the evaluator knows, for error messages and docs.</summary>
    public static IEnumerable<string> FunctionNames => Functions.Keys.Order(StringComparer.Ordinal);

    /// <summary>Evaluates <paramref name="expression"/>; a syntax or domain error is a tool error with its position.</summary>
    public static double Evaluate(string expression)
    {
        var parser = new ExpressionParser(expression);
        double value = parser.ParseExpression();
        parser.SkipWhitespace();
        if (parser._position < expression.Length)
        {
            parser.Fail($"unexpected '{expression[parser._position]}'");
        }

        return value;
    }

    private double ParseExpression()
    {
        Enter();
        double value = ParseTerm();
        while (true)
        {
            if (Accept('+'))
            {
                value += ParseTerm();
            }
            else if (Accept('-'))
            {
                value -= ParseTerm();
            }
            else
            {
                _depth--;
                return value;
            }
        }
    }

    private double ParseTerm()
    {
        double value = ParseUnary();
        while (true)
        {
            int at = _position;
            if (Accept('*'))
            {
                value *= ParseUnary();
            }
            else if (Accept('/'))
            {
                double divisor = ParseUnary();
                if (divisor == 0)
                {
                    Fail("division by zero", at);
                }

                value /= divisor;
            }
            else if (Accept('%'))
            {
                double divisor = ParseUnary();
                if (divisor == 0)
                {
                    Fail("modulo by zero", at);
                }

                value %= divisor;
            }
            else
            {
                return value;
            }
        }
    }

    private double ParseUnary()
    {
        Enter();
        double value = Accept('-') ? -ParseUnary() : Accept('+') ? ParseUnary() : ParsePower();
        _depth--;
        return value;
    }

    private double ParsePower()
    {
        double value = ParsePostfix();
        int at = _position;
        if (!Accept('^'))
        {
            return value;
        }

        double exponent = ParseUnary();
        return value == 0 && exponent < 0 ? Fail("0 to a negative power is infinite (undefined), like division by zero", at) : System.Math.Pow(value, exponent);
    }

    private double ParsePostfix()
    {
        double value = ParsePrimary();
        while (Accept('!'))
        {
            if (value < 0 || value != System.Math.Floor(value) || value > 170)
            {
                Fail("factorial needs a whole number from 0 to 170");
            }

            double product = 1;
            for (int i = 2; i <= (int)value; i++)
            {
                product *= i;
            }

            value = product;
        }

        return value;
    }

    private double ParsePrimary()
    {
        SkipWhitespace();
        if (_position >= _text.Length)
        {
            Fail("the expression ends too early");
        }

        char c = _text[_position];
        if (Accept('('))
        {
            double inner = ParseExpression();
            Expect(')');
            return inner;
        }

        if (char.IsAsciiDigit(c) || c == '.')
        {
            return ParseNumber();
        }

        if (char.IsAsciiLetter(c))
        {
            int start = _position;
            while (_position < _text.Length && (char.IsAsciiLetterOrDigit(_text[_position]) || _text[_position] == '_'))
            {
                _position++;
            }

            string name = _text[start.._position];
            SkipWhitespace();
            if (_position < _text.Length && _text[_position] == '(')
            {
                return CallFunction(name, start);
            }

            return Constants.TryGetValue(name, out double constant)
                ? constant
                : Fail($"unknown name '{name}' (constants: pi, e, tau, phi; functions are called with parentheses)", start);
        }

        return Fail($"unexpected '{c}'");
    }

    private double CallFunction(string name, int start)
    {
        if (!Functions.TryGetValue(name, out var function))
        {
            return Fail($"unknown function '{name}'. Known: {string.Join(", ", FunctionNames)}", start);
        }

        Expect('(');
        var arguments = new List<double> { ParseExpression() };
        while (Accept(','))
        {
            arguments.Add(ParseExpression());
        }

        Expect(')');
        if (arguments.Count < function.Min || arguments.Count > function.Max)
        {
            string expected = function.Min == function.Max ? $"{function.Min}" : $"{function.Min} to {function.Max}";
            Fail($"{name}() takes {expected} argument(s), got {arguments.Count}", start);
        }

        double result = function.Apply([.. arguments]);
        if (double.IsNaN(result))
        {
            return Fail($"{name}() is undefined for these arguments", start);
        }

        // log(0) and pow(0, -1) are infinite at any precision: a pole, not an overflow.
        return double.IsInfinity(result) && Poles.Contains(name) && arguments.Contains(0)
            ? Fail($"{name}() is {(result < 0 ? "-" : string.Empty)}infinity (undefined) for these arguments", start)
            : result;
    }

    private double ParseNumber()
    {
        int start = _position;
        while (_position < _text.Length && (char.IsAsciiDigit(_text[_position]) || _text[_position] is '.' or '_'))
        {
            _position++;
        }

        if (_position < _text.Length && _text[_position] is 'e' or 'E'
            && _position + 1 < _text.Length && (char.IsAsciiDigit(_text[_position + 1]) || (_text[_position + 1] is '+' or '-' && _position + 2 < _text.Length && char.IsAsciiDigit(_text[_position + 2]))))
        {
            _position += 2;
            while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
            {
                _position++;
            }
        }

        string literal = _text[start.._position].Replace("_", string.Empty, StringComparison.Ordinal);
        return double.TryParse(literal, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out double number)
            ? number
            : Fail($"'{literal}' is not a number", start);
    }

    private static double Round(double[] args)
    {
        int digits = args.Length == 2 ? (int)args[1] : 0;
        return digits is < 0 or > 15 ? double.NaN : System.Math.Round(args[0], digits, MidpointRounding.AwayFromZero);
    }

    private void Enter()
    {
        if (++_depth > MaxDepth)
        {
            Fail($"the expression nests deeper than {MaxDepth} levels");
        }
    }

    private bool Accept(char expected)
    {
        SkipWhitespace();
        if (_position < _text.Length && _text[_position] == expected)
        {
            _position++;
            return true;
        }

        return false;
    }

    private void Expect(char expected)
    {
        if (!Accept(expected))
        {
            Fail(_position < _text.Length ? $"expected '{expected}' but found '{_text[_position]}'" : $"expected '{expected}' but the expression ends");
        }
    }

    private void SkipWhitespace()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
        {
            _position++;
        }
    }

    private double Fail(string problem, int? at = null) =>
        ToolError.Throw<double>($"Cannot evaluate the expression: {problem} at position {(at ?? _position) + 1}.");
}
