namespace Switchboard.Servers.Filesystem.Editing;

/// <summary>One run of the line diff: lines common to both texts, removed from the old one or added in the new one.</summary>
internal sealed record DiffComponent(int Count, bool Added, bool Removed)
{
    public string Value { get; set; } = "";
}

/// <summary>
/// jsdiff's <c>diffLines</c> (the <c>diff</c> package the reference server formats its edit_file output with), ported
/// step for step: Myers' O(ND) algorithm with the same diagonal pruning and the same tie-break (prefer the path that
/// went further in the old text, removals before additions), so our hunks are the reference's hunks. Unlike the
/// reference, which sets neither jsdiff's <c>maxEditLength</c> nor its <c>timeout</c>, the work is bounded: Myers
/// takes time proportional to the lines times the edits, so replacing every line of a few hundred KB took minutes.
/// Past <see cref="MaxWork"/> the diff is the common first and last lines with everything between them removed and
/// added in one piece.
/// </summary>
internal static class LineDiff
{
    /// <summary>Diagonals visited plus lines compared: about a second of CPU, far more than any edit a model writes needs.</summary>
    private const long MaxWork = 20_000_000;

    private sealed class PathState(int oldPos, Link? last)
    {
        public int OldPos { get; set; } = oldPos;

        public Link? Last { get; set; } = last;
    }

    private sealed record Link(int Count, bool Added, bool Removed, Link? Previous);

    /// <summary>Splits into lines, each keeping its <c>\n</c> (as jsdiff's tokenizer with default options).</summary>
    public static List<string> Tokenize(string value)
    {
        var tokens = new List<string>();
        int start = 0;
        while (start < value.Length)
        {
            int newline = value.IndexOf('\n', start);
            if (newline < 0)
            {
                tokens.Add(value[start..]);
                break;
            }

            tokens.Add(value[start..(newline + 1)]);
            start = newline + 1;
        }

        return tokens;
    }

    public static List<DiffComponent> Diff(string oldText, string newText, CancellationToken cancellationToken)
    {
        var oldTokens = Tokenize(oldText);
        var newTokens = Tokenize(newText);
        int newLen = newTokens.Count, oldLen = oldTokens.Count;
        int maxEditLength = newLen + oldLen;
        int offset = maxEditLength + 1;
        var bestPath = new PathState?[2 * offset + 1];
        bestPath[offset] = new PathState(-1, null);

        long work = 0;
        int newPos = ExtractCommon(bestPath[offset]!, newTokens, oldTokens, 0, ref work);
        if (bestPath[offset]!.OldPos + 1 >= oldLen && newPos + 1 >= newLen)
        {
            return Build(bestPath[offset]!.Last, newTokens, oldTokens);
        }

        int minDiagonal = int.MinValue, maxDiagonal = int.MaxValue;
        for (int editLength = 1; editLength <= maxEditLength; editLength++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int diagonal = Math.Max(minDiagonal, -editLength); diagonal <= Math.Min(maxDiagonal, editLength); diagonal += 2)
            {
                if (++work > MaxWork)
                {
                    return ReplaceMiddle(oldTokens, newTokens);
                }

                var removePath = bestPath[offset + diagonal - 1];
                var addPath = bestPath[offset + diagonal + 1];
                if (removePath is not null)
                {
                    bestPath[offset + diagonal - 1] = null;
                }

                bool canAdd = false;
                if (addPath is not null)
                {
                    int addPathNewPos = addPath.OldPos - diagonal;
                    canAdd = addPathNewPos >= 0 && addPathNewPos < newLen;
                }

                bool canRemove = removePath is not null && removePath.OldPos + 1 < oldLen;
                if (!canAdd && !canRemove)
                {
                    bestPath[offset + diagonal] = null;
                    continue;
                }

                PathState basePath = !canRemove || (canAdd && removePath!.OldPos < addPath!.OldPos)
                    ? AddToPath(addPath!, added: true, removed: false, 0)
                    : AddToPath(removePath!, added: false, removed: true, 1);

                newPos = ExtractCommon(basePath, newTokens, oldTokens, diagonal, ref work);
                if (basePath.OldPos + 1 >= oldLen && newPos + 1 >= newLen)
                {
                    return Build(basePath.Last, newTokens, oldTokens);
                }

                bestPath[offset + diagonal] = basePath;
                if (basePath.OldPos + 1 >= oldLen)
                {
                    maxDiagonal = Math.Min(maxDiagonal, diagonal - 1);
                }

                if (newPos + 1 >= newLen)
                {
                    minDiagonal = Math.Max(minDiagonal, diagonal + 1);
                }
            }
        }

        throw new InvalidOperationException("The line diff did not converge."); // unreachable: maxEditLength always suffices
    }

    /// <summary>The fallback past <see cref="MaxWork"/>: the lines both texts start and end with, and one removal and one addition between them.</summary>
    private static List<DiffComponent> ReplaceMiddle(List<string> oldTokens, List<string> newTokens)
    {
        int prefix = 0;
        while (prefix < oldTokens.Count && prefix < newTokens.Count && oldTokens[prefix] == newTokens[prefix])
        {
            prefix++;
        }

        int suffix = 0;
        while (suffix < oldTokens.Count - prefix && suffix < newTokens.Count - prefix && oldTokens[^(suffix + 1)] == newTokens[^(suffix + 1)])
        {
            suffix++;
        }

        var components = new List<DiffComponent>();
        Add(newTokens, 0, prefix, added: false, removed: false);
        Add(oldTokens, prefix, oldTokens.Count - prefix - suffix, added: false, removed: true);
        Add(newTokens, prefix, newTokens.Count - prefix - suffix, added: true, removed: false);
        Add(newTokens, newTokens.Count - suffix, suffix, added: false, removed: false);
        return components;

        void Add(List<string> tokens, int start, int count, bool added, bool removed)
        {
            if (count > 0)
            {
                components.Add(new DiffComponent(count, added, removed) { Value = string.Concat(tokens.GetRange(start, count)) });
            }
        }
    }

    private static PathState AddToPath(PathState path, bool added, bool removed, int oldPosIncrement)
    {
        var last = path.Last;
        return last is not null && last.Added == added && last.Removed == removed
            ? new PathState(path.OldPos + oldPosIncrement, new Link(last.Count + 1, added, removed, last.Previous))
            : new PathState(path.OldPos + oldPosIncrement, new Link(1, added, removed, last));
    }

    private static int ExtractCommon(PathState basePath, List<string> newTokens, List<string> oldTokens, int diagonal, ref long work)
    {
        int oldPos = basePath.OldPos, newPos = oldPos - diagonal, common = 0;
        while (newPos + 1 < newTokens.Count && oldPos + 1 < oldTokens.Count && string.Equals(oldTokens[oldPos + 1], newTokens[newPos + 1], StringComparison.Ordinal))
        {
            newPos++;
            oldPos++;
            common++;
        }

        work += common;

        if (common > 0)
        {
            basePath.Last = new Link(common, false, false, basePath.Last);
        }

        basePath.OldPos = oldPos;
        return newPos;
    }

    private static List<DiffComponent> Build(Link? last, List<string> newTokens, List<string> oldTokens)
    {
        var components = new List<DiffComponent>();
        for (var link = last; link is not null; link = link.Previous)
        {
            components.Add(new DiffComponent(link.Count, link.Added, link.Removed));
        }

        components.Reverse();
        int newPos = 0, oldPos = 0;
        foreach (var component in components)
        {
            if (!component.Removed)
            {
                component.Value = string.Concat(newTokens.GetRange(newPos, component.Count));
                newPos += component.Count;
                if (!component.Added)
                {
                    oldPos += component.Count;
                }
            }
            else
            {
                component.Value = string.Concat(oldTokens.GetRange(oldPos, component.Count));
                oldPos += component.Count;
            }
        }

        return components;
    }
}
