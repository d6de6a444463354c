namespace CniPlugins.Tuning;

/// <summary>
/// A regular expression in Go's RE2 syntax, matched as Go's <c>regexp.MatchString</c> does: true when the pattern
/// matches anywhere in the text. The allowlist is its only user, and System.Text.RegularExpressions would add
/// 750 KB to this binary and 0.4 ms to every start (its engines' type data is built at start-up).
/// </summary>
/// <remarks>
/// Syntax: literals and escaped punctuation, <c>.</c>, bracket classes with ranges, negation, Perl (<c>\d \w \s</c>
/// and their negations) and POSIX (<c>[:alpha:]</c>) classes, groups <c>( )</c> <c>(?: )</c> <c>(?P&lt;name&gt; )</c>,
/// alternation, the quantifiers <c>* + ? {n} {n,} {n,m}</c> (lazy forms too: for a yes/no match they are the same),
/// anchors <c>^ $ \A \z \b \B</c>, <c>\Q...\E</c> and the flags <c>i s m U</c>. Unicode classes (<c>\p</c>) and
/// octal escapes are refused: an allowlist line using them fails the ADD with an error naming it. Matching runs the pattern as a Thompson NFA, in time linear in the text, as Go's does.
/// </remarks>
public sealed class Re2Pattern
{
    private const int MaxRepeat = 1000;
    private readonly List<Instruction> _program;

    private Re2Pattern(List<Instruction> program) => _program = program;

    /// <summary>Compiles <paramref name="pattern"/>; throws <see cref="FormatException"/> naming what is wrong, in Go's words where Go has them.</summary>
    public static Re2Pattern Parse(string pattern)
    {
        var parser = new Parser(pattern);
        var node = parser.ParseAll();
        var program = new List<Instruction>();
        Compile(node, program);
        program.Add(new Instruction(Op.Match));
        return new Re2Pattern(program);
    }

    public bool IsMatch(string text)
    {
        var current = new List<int>();
        var next = new List<int>();
        var seen = new bool[_program.Count];
        for (var position = 0; position <= text.Length; position++)
        {
            // Unanchored: a thread starts at every position.
            Array.Clear(seen);
            foreach (var pc in current)
            {
                seen[pc] = true;
            }

            if (AddThread(current, seen, 0, text, position))
            {
                return true;
            }

            if (position == text.Length)
            {
                break;
            }

            next.Clear();
            Array.Clear(seen);
            foreach (var pc in current)
            {
                var instruction = _program[pc];
                if (instruction.Op == Op.Char && instruction.Class!.Matches(text[position]) &&
                    AddThread(next, seen, pc + 1, text, position + 1))
                {
                    return true;
                }
            }

            (current, next) = (next, current);
        }

        return false;
    }

    /// <summary>Follows jumps, splits and assertions from <paramref name="pc"/>; true when a thread reaches the match.</summary>
    private bool AddThread(List<int> threads, bool[] seen, int pc, string text, int position)
    {
        var stack = new Stack<int>();
        stack.Push(pc);
        while (stack.Count > 0)
        {
            var at = stack.Pop();
            if (seen[at])
            {
                continue;
            }

            seen[at] = true;
            var instruction = _program[at];
            switch (instruction.Op)
            {
                case Op.Match:
                    return true;
                case Op.Jump:
                    stack.Push(instruction.X);
                    break;
                case Op.Split:
                    stack.Push(instruction.Y);
                    stack.Push(instruction.X);
                    break;
                case Op.Assert:
                    if (Holds(instruction.Assertion, text, position))
                    {
                        stack.Push(at + 1);
                    }

                    break;
                default:
                    threads.Add(at);
                    break;
            }
        }

        return false;
    }

    private static bool Holds(Assertion assertion, string text, int position)
    {
        bool Word(int i) => i >= 0 && i < text.Length && CharClass.IsWordChar(text[i]);
        return assertion switch
        {
            Assertion.BeginText => position == 0,
            Assertion.EndText => position == text.Length,
            Assertion.BeginLine => position == 0 || text[position - 1] == '\n',
            Assertion.EndLine => position == text.Length || text[position] == '\n',
            Assertion.WordBoundary => Word(position - 1) != Word(position),
            _ => Word(position - 1) == Word(position),
        };
    }

    private static void Compile(Node node, List<Instruction> program)
    {
        switch (node)
        {
            case CharNode c:
                program.Add(new Instruction(Op.Char) { Class = c.Class });
                break;
            case AssertNode a:
                program.Add(new Instruction(Op.Assert) { Assertion = a.Assertion });
                break;
            case ConcatNode concat:
                foreach (var part in concat.Parts)
                {
                    Compile(part, program);
                }

                break;
            case AltNode alt:
                {
                    // split L1, L2; L1: left; jump end; L2: right; end:
                    var split = program.Count;
                    program.Add(new Instruction(Op.Split));
                    Compile(alt.Left, program);
                    var jump = program.Count;
                    program.Add(new Instruction(Op.Jump));
                    var right = program.Count;
                    Compile(alt.Right, program);
                    program[split] = program[split] with { X = split + 1, Y = right };
                    program[jump] = program[jump] with { X = program.Count };
                    break;
                }

            case RepeatNode repeat:
                for (var i = 0; i < repeat.Min; i++)
                {
                    Compile(repeat.Body, program);
                }

                if (repeat.Max < 0)
                {
                    // L: split body, end; body; jump L; end:
                    var loop = program.Count;
                    program.Add(new Instruction(Op.Split));
                    Compile(repeat.Body, program);
                    program.Add(new Instruction(Op.Jump) { X = loop });
                    program[loop] = program[loop] with { X = loop + 1, Y = program.Count };
                }
                else
                {
                    var splits = new List<int>();
                    for (var i = repeat.Min; i < repeat.Max; i++)
                    {
                        splits.Add(program.Count);
                        program.Add(new Instruction(Op.Split));
                        Compile(repeat.Body, program);
                    }

                    foreach (var split in splits)
                    {
                        program[split] = program[split] with { X = split + 1, Y = program.Count };
                    }
                }

                break;
        }
    }

    private enum Op
    {
        Char,
        Split,
        Jump,
        Assert,
        Match,
    }

    private enum Assertion
    {
        BeginText,
        EndText,
        BeginLine,
        EndLine,
        WordBoundary,
        NotWordBoundary,
    }

    private readonly record struct Instruction(Op Op)
    {
        public int X { get; init; }

        public int Y { get; init; }

        public CharClass? Class { get; init; }

        public Assertion Assertion { get; init; }
    }

    private abstract record Node;

    private sealed record CharNode(CharClass Class) : Node;

    private sealed record AssertNode(Assertion Assertion) : Node;

    private sealed record ConcatNode(List<Node> Parts) : Node;

    private sealed record AltNode(Node Left, Node Right) : Node;

    private sealed record RepeatNode(Node Body, int Min, int Max) : Node;

    /// <summary>A set of characters: ranges, maybe negated, maybe case-folded.</summary>
    private sealed class CharClass
    {
        public List<(char Low, char High)> Ranges { get; } = [];

        public bool Negated { get; set; }

        public bool FoldCase { get; set; }

        public static bool IsWordChar(char c) => c is (>= '0' and <= '9') or (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_';

        public bool Matches(char c)
        {
            var found = Contains(c) || (FoldCase && (Contains(char.ToLowerInvariant(c)) || Contains(char.ToUpperInvariant(c))));
            return found != Negated;
        }

        private bool Contains(char c)
        {
            foreach (var (low, high) in Ranges)
            {
                if (c >= low && c <= high)
                {
                    return true;
                }
            }

            return false;
        }
    }

    private sealed class Parser(string pattern)
    {
        private int _at;
        private bool _foldCase;
        private bool _dotAll;
        private bool _multiLine;

        private bool AtEnd => _at >= pattern.Length;

        public Node ParseAll()
        {
            var node = ParseAlternation();
            if (!AtEnd)
            {
                throw Error("unexpected )", pattern);
            }

            return node;
        }

        private FormatException Error(string what, string fragment) => new($"error parsing regexp: {what}: `{fragment}`");

        private Node ParseAlternation()
        {
            var flags = (_foldCase, _dotAll, _multiLine);
            var node = ParseConcatenation();
            while (!AtEnd && pattern[_at] == '|')
            {
                _at++;
                node = new AltNode(node, ParseConcatenation());
            }

            (_foldCase, _dotAll, _multiLine) = flags;
            return node;
        }

        private Node ParseConcatenation()
        {
            var parts = new List<Node>();
            while (!AtEnd && pattern[_at] is not ('|' or ')'))
            {
                var start = _at;
                if (ParseAtom() is not { } atom)
                {
                    continue;
                }

                var quantified = false;
                while (!AtEnd && TryQuantifier(out var min, out var max))
                {
                    if (quantified)
                    {
                        throw Error("invalid nested repetition operator", pattern[start.._at]);
                    }

                    if (!AtEnd && pattern[_at] == '?')
                    {
                        _at++; // lazy: the same yes/no answer
                    }

                    atom = new RepeatNode(atom, min, max);
                    quantified = true;
                }

                parts.Add(atom);
            }

            return parts.Count == 1 ? parts[0] : new ConcatNode(parts);
        }

        private bool TryQuantifier(out int min, out int max)
        {
            (min, max) = (0, -1);
            var start = _at;
            switch (pattern[_at])
            {
                case '*':
                    _at++;
                    return true;
                case '+':
                    _at++;
                    min = 1;
                    return true;
                case '?':
                    _at++;
                    max = 1;
                    return true;
                case '{':
                    var close = pattern.IndexOf('}', _at);
                    if (close < 0)
                    {
                        return false;
                    }

                    var body = pattern[(_at + 1)..close];
                    var comma = body.IndexOf(',');
                    var lowText = comma < 0 ? body : body[..comma];
                    var highText = comma < 0 ? body : body[(comma + 1)..];
                    if (!IsNumber(lowText) || (comma >= 0 && highText.Length > 0 && !IsNumber(highText)))
                    {
                        return false; // not a repeat: a literal '{', as in Go
                    }

                    min = int.Parse(lowText, System.Globalization.CultureInfo.InvariantCulture);
                    max = comma < 0 ? min : highText.Length == 0 ? -1 : int.Parse(highText, System.Globalization.CultureInfo.InvariantCulture);
                    _at = close + 1;
                    if (min > MaxRepeat || max > MaxRepeat || (max >= 0 && max < min))
                    {
                        throw Error("invalid repeat count", pattern[start.._at]);
                    }

                    return true;
                default:
                    return false;
            }
        }

        private bool IsRepeatAt(int at)
        {
            var saved = _at;
            _at = at;
            try
            {
                return TryQuantifier(out _, out _);
            }
            catch (FormatException)
            {
                return true;
            }
            finally
            {
                _at = saved;
            }
        }

        private static bool IsNumber(string text) => text.Length is > 0 and <= 4 && text.All(char.IsAsciiDigit);

        /// <summary>One atom, or null for a flag group that only changes flags.</summary>
        private Node? ParseAtom()
        {
            var c = pattern[_at];
            switch (c)
            {
                case '*' or '+' or '?':
                    throw Error("missing argument to repetition operator", c.ToString());
                case '{' when IsRepeatAt(_at):
                    throw Error("missing argument to repetition operator", pattern[_at..(pattern.IndexOf('}', _at) + 1)]);
                case '(':
                    return ParseGroup();
                case '[':
                    return new CharNode(ParseClass());
                case '.':
                    _at++;
                    var dot = new CharClass { Negated = !_dotAll };
                    if (_dotAll)
                    {
                        dot.Ranges.Add((char.MinValue, char.MaxValue));
                    }
                    else
                    {
                        dot.Ranges.Add(('\n', '\n'));
                    }

                    return new CharNode(dot);
                case '^':
                    _at++;
                    return new AssertNode(_multiLine ? Assertion.BeginLine : Assertion.BeginText);
                case '$':
                    _at++;
                    return new AssertNode(_multiLine ? Assertion.EndLine : Assertion.EndText);
                case '\\':
                    return ParseEscapeAtom();
                default:
                    _at++;
                    return Literal(c);
            }
        }

        private CharNode Literal(char c)
        {
            var set = new CharClass { FoldCase = _foldCase };
            set.Ranges.Add((c, c));
            return new CharNode(set);
        }

        private Node? ParseGroup()
        {
            var start = _at;
            _at++;
            if (!AtEnd && pattern[_at] == '?')
            {
                _at++;
                if (!AtEnd && pattern[_at] is 'P' or '<')
                {
                    // (?P<name>re) or (?<name>re): a capture, which a yes/no match ignores.
                    var close = pattern.IndexOf('>', _at);
                    if (close < 0)
                    {
                        throw Error("invalid named capture", pattern[start..]);
                    }

                    _at = close + 1;
                    return GroupBody(start);
                }

                // Flags: (?flags) for the rest of the group, (?flags:re) for re alone.
                var negate = false;
                var (fold, dotAll, multi) = (_foldCase, _dotAll, _multiLine);
                while (!AtEnd && pattern[_at] is not (')' or ':'))
                {
                    switch (pattern[_at])
                    {
                        case 'i': fold = !negate; break;
                        case 's': dotAll = !negate; break;
                        case 'm': multi = !negate; break;
                        case 'U': break; // ungreedy: the same yes/no answer
                        case '-' when !negate: negate = true; break;
                        default: throw Error("invalid or unsupported Perl syntax", pattern[start..(_at + 1)]);
                    }

                    _at++;
                }

                if (AtEnd)
                {
                    throw Error("missing closing )", pattern[start..]);
                }

                if (pattern[_at] == ')')
                {
                    _at++;
                    (_foldCase, _dotAll, _multiLine) = (fold, dotAll, multi);
                    return null;
                }

                _at++;
                var saved = (_foldCase, _dotAll, _multiLine);
                (_foldCase, _dotAll, _multiLine) = (fold, dotAll, multi);
                var inner = GroupBody(start);
                (_foldCase, _dotAll, _multiLine) = saved;
                return inner;
            }

            return GroupBody(start);
        }

        private Node GroupBody(int start)
        {
            var inner = ParseAlternation();
            if (AtEnd || pattern[_at] != ')')
            {
                throw Error("missing closing )", pattern[start..]);
            }

            _at++;
            return inner;
        }

        private Node ParseEscapeAtom()
        {
            var start = _at;
            if (_at + 1 >= pattern.Length)
            {
                throw Error("trailing backslash at end of expression", "");
            }

            switch (pattern[_at + 1])
            {
                case 'Q':
                    {
                        // \Q...\E: literal text, to \E or the end.
                        var end = pattern.IndexOf("\\E", _at + 2, StringComparison.Ordinal);
                        var text = end < 0 ? pattern[(_at + 2)..] : pattern[(_at + 2)..end];
                        _at = end < 0 ? pattern.Length : end + 2;
                        return new ConcatNode(text.Select(c => (Node)Literal(c)).ToList());
                    }

                case 'A':
                    _at += 2;
                    return new AssertNode(Assertion.BeginText);
                case 'z':
                    _at += 2;
                    return new AssertNode(Assertion.EndText);
                case 'b':
                    _at += 2;
                    return new AssertNode(Assertion.WordBoundary);
                case 'B':
                    _at += 2;
                    return new AssertNode(Assertion.NotWordBoundary);
            }

            var set = new CharClass { FoldCase = _foldCase };
            AddEscape(set, start);
            return new CharNode(set);
        }

        /// <summary>Adds the escape at <c>_at</c> (a backslash) to <paramref name="set"/>, moving past it.</summary>
        private void AddEscape(CharClass set, int start)
        {
            var c = pattern[_at + 1];
            _at += 2;
            if (PerlClass(c, set))
            {
                return;
            }

            char literal;
            switch (c)
            {
                case 't': literal = '\t'; break;
                case 'n': literal = '\n'; break;
                case 'r': literal = '\r'; break;
                case 'f': literal = '\f'; break;
                case 'v': literal = '\v'; break;
                case 'a': literal = '\a'; break;
                case 'x':
                    literal = HexEscape(start);
                    break;
                default:
                    if (char.IsAsciiLetterOrDigit(c) || c > 0x7f)
                    {
                        throw Error("invalid escape sequence", pattern[start.._at]);
                    }

                    literal = c; // escaped punctuation
                    break;
            }

            set.Ranges.Add((literal, literal));
        }

        private char HexEscape(int start)
        {
            string digits;
            if (!AtEnd && pattern[_at] == '{')
            {
                var close = pattern.IndexOf('}', _at);
                digits = close < 0 ? "" : pattern[(_at + 1)..close];
                _at = close < 0 ? pattern.Length : close + 1;
            }
            else
            {
                digits = _at + 2 <= pattern.Length ? pattern.Substring(_at, 2) : "";
                _at = Math.Min(_at + 2, pattern.Length);
            }

            if (digits.Length == 0 || digits.Length > 4 || !digits.All(char.IsAsciiHexDigit))
            {
                throw Error("invalid escape sequence", pattern[start.._at]);
            }

            return (char)Convert.ToInt32(digits, 16);
        }

        private static bool PerlClass(char c, CharClass set)
        {
            var ranges = char.ToLowerInvariant(c) switch
            {
                'd' => "09",
                'w' => "09AZ__az",
                's' => "\t\n\f\r  ",
                _ => null,
            };
            if (ranges is null)
            {
                return false;
            }

            if (char.IsUpper(c))
            {
                AddComplement(set, ranges);
            }
            else
            {
                AddPairs(set, ranges);
            }

            return true;
        }

        private static void AddPairs(CharClass set, string pairs)
        {
            for (var i = 0; i < pairs.Length; i += 2)
            {
                set.Ranges.Add((pairs[i], pairs[i + 1]));
            }
        }

        /// <summary>Every character outside the (sorted, disjoint) ranges in <paramref name="pairs"/>.</summary>
        private static void AddComplement(CharClass set, string pairs)
        {
            var next = 0;
            for (var i = 0; i < pairs.Length; i += 2)
            {
                if (pairs[i] > next)
                {
                    set.Ranges.Add(((char)next, (char)(pairs[i] - 1)));
                }

                next = pairs[i + 1] + 1;
            }

            if (next <= char.MaxValue)
            {
                set.Ranges.Add(((char)next, char.MaxValue));
            }
        }

        // Sorted, disjoint (low, high) pairs, as AddComplement needs them.
        private static readonly Dictionary<string, string> PosixClasses = new(StringComparer.Ordinal)
        {
            ["alnum"] = "09AZaz",
            ["alpha"] = "AZaz",
            ["ascii"] = "\0\x7f",
            ["blank"] = "\t\t  ",
            ["cntrl"] = "\0\x1f\x7f\x7f",
            ["digit"] = "09",
            ["graph"] = "!~",
            ["lower"] = "az",
            ["print"] = " ~",
            ["punct"] = "!/:@[`{~",
            ["space"] = "\t\r  ",
            ["upper"] = "AZ",
            ["word"] = "09AZ__az",
            ["xdigit"] = "09AFaf",
        };

        private CharClass ParseClass()
        {
            var start = _at;
            _at++;
            var set = new CharClass { FoldCase = _foldCase };
            if (!AtEnd && pattern[_at] == '^')
            {
                set.Negated = true;
                _at++;
            }

            var first = true;
            while (true)
            {
                if (AtEnd)
                {
                    throw Error("missing closing ]", pattern[start..]);
                }

                var c = pattern[_at];
                if (c == ']' && !first)
                {
                    _at++;
                    return set;
                }

                first = false;
                if (c == '[' && _at + 1 < pattern.Length && pattern[_at + 1] == ':')
                {
                    var close = pattern.IndexOf(":]", _at + 2, StringComparison.Ordinal);
                    if (close > 0)
                    {
                        var name = pattern[(_at + 2)..close];
                        var negated = name.StartsWith('^');
                        if (!PosixClasses.TryGetValue(negated ? name[1..] : name, out var pairs))
                        {
                            throw Error("invalid character class range", pattern[_at..(close + 2)]);
                        }

                        if (negated)
                        {
                            AddComplement(set, pairs);
                        }
                        else
                        {
                            AddPairs(set, pairs);
                        }

                        _at = close + 2;
                        continue;
                    }
                }

                var rangeStart = _at;
                char low;
                if (c == '\\')
                {
                    var single = new CharClass();
                    AddEscape(single, _at);
                    if (single.Ranges.Count != 1 || single.Ranges[0].Low != single.Ranges[0].High)
                    {
                        set.Ranges.AddRange(single.Ranges); // \d and friends inside a class
                        continue;
                    }

                    low = single.Ranges[0].Low;
                }
                else
                {
                    low = c;
                    _at++;
                }

                var high = low;
                if (_at + 1 < pattern.Length && pattern[_at] == '-' && pattern[_at + 1] != ']')
                {
                    _at++;
                    if (pattern[_at] == '\\')
                    {
                        var single = new CharClass();
                        AddEscape(single, _at);
                        high = single.Ranges[0].High;
                    }
                    else
                    {
                        high = pattern[_at++];
                    }

                    if (high < low)
                    {
                        throw Error("invalid character class range", pattern[rangeStart.._at]);
                    }
                }

                set.Ranges.Add((low, high));
            }
        }
    }
}
