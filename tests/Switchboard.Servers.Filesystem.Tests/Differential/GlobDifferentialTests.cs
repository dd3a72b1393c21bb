using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Servers.Filesystem.Search;

namespace Switchboard.Servers.Filesystem.Tests.Differential;

/// <summary>
/// Every glob form minimatch accepts, against paths like the ones search_files and directory_tree test: our matcher
/// must agree with the reference server's own minimatch (run by <c>tests/interop-filesystem/glob-cases.mjs</c>) on
/// every pair.
/// </summary>
public sealed class GlobDifferentialTests : IDisposable
{
    private static readonly string[] Paths =
    [
        "docs", "docs/readme.md", "docs/guide.md", "docs/nested", "docs/nested/deep.md", "docsx", "x/docs", "x/docs/y.md",
        "src", "src/app.js", "src/lib", "src/lib/util.js", "src/lib/util.test.js", "src/.env", ".hidden", ".git", ".git/config",
        "node_modules", "node_modules/pkg/index.js", "hello.txt", "a", "a/b", "a/b/c", "a/c", "a/.b", "a/.b/c", "b", "ab", "abc",
        "a.txt", "A.txt", "x.txt", "[x].txt", "a,b", "{a}", "a{b}c", "!a", "#a", "a\\b", "+(a|b)", "1", "2", "3", "10", "01", "03",
        "file1.txt", "file2.md", "data bin#1.bin", "café.txt", "Ünïcödé.md", "img_001.png", "img_010.png", "a-b", "a]b", "-",
        "foo.bar.baz", "foo.", ".foo", "$x", "${a}", "a b", "tab\there", "x.test.ts", "x.spec.ts", "x.ts", "abab", "aab",
        "ace", "ade", "acf", "abdg", "abcdfg", "acdfg", "aceg", "-2", "-02", "0", "c", "ba", "bb", "a/d", "a/bc", "a/cb", "a/bb", "a/bcc", "a/cc",
    ];

    private static readonly string[] Patterns =
    [
        // segments, stars and globstars
        "docs", "docs/**", "docs/*", "docs/**/*", "docs/**/*.md", "**", "*", "**/*", "**/*.md", "*.md", "**/docs", "**/docs/**",
        "src/**", "src/**/util.js", "**/lib/**", "a/**/c", "a/**/b", "a/**", "**/b", "**/**", "a/**/**/c", "***", "a**", "**a",
        "a/**b", "a/*/c", "*/", "**/", "docs/", "docs//readme.md", "docs///**", "/docs", "//a", "./docs", "a/./b", "a/../a/b",
        "docs/nested/../readme.md", "**/../docs", "", ".", "..",
        // ? and classes
        "?", "??", "a?c", "?.txt", "[ab]", "[!ab]", "[^ab]", "[a-c]", "[z-a]", "[a-]", "[-a]", "[]x].txt", "[!]]", "[x",
        "[[]x].txt", "\\[x\\].txt", "[*]", "[\\]]b", "a[]]b", "[[:digit:]]", "[[:alpha:]]*", "[[:upper:]].txt", "[[:punct:]]",
        "[![:alpha:]]", "[[:space:]]", "tab[[:blank:]]here", "[[:alnum:]][[:alnum:]]", "[a-[:alpha:]]", "img_[0-9][0-9][0-9].png",
        // braces
        "{a,b}", "{a,b}/**", "src/{lib,app.js}", "*.{js,md}", "**/*.{md,txt}", "{docs,src}/**/*.md", "{1..3}", "{1..10}",
        "{01..03}", "{1..10..3}", "{3..1}", "{a..c}", "{a..e..2}", "{1..c}", "{,a}", "{a,}b", "{a}", "a{b}c", "{a}{b,c}",
        "{a,{b,c}}", "a{,b}", "{a,b", "a,b", "\\{a,b\\}", "a\\,b", "${a}", "${a,b}", "$x", "{}", "{}a", "{x,y}{1,2}",
        "img_{001..010}.png", "{a..c}{1..2}", "{a,b}*{c,d}",
        // escapes, negation, comments
        "\\!a", "!a", "!docs", "!!docs", "!**/*.md", "#a", "\\#a", "a\\b", "a\\\\b", "\\*", "\\", "foo\\",
        // extglobs
        "+(a|b)", "@(a|b)", "*(a|b)", "?(a)", "!(a)", "x/!(docs)", "*.!(md)", "!(*.md)", "a/!(b)", "a/!(b)/c", "*.+(js|md)",
        "@(docs|src)/**", "+(ab)", "a*(b)", "x.@(test|spec).ts", "x.!(test|spec).ts", "!(x).ts", "@(a|b)c", "+(a", "@()",
        "x/!(docs)/**", "?(a|b)*", "*(a|*(b))", "@(+(a|b)|c)", "!(a|b)", "foo.!(bar)", "foo.!(bar).baz", "!(foo).*",
        "+([[:alpha:]])", "@([a-c]|z)", "!(!(a))", "@(!(a)|b)", "a/!(b|c)/**", "+(!(a))", "*(!(a)b)", "!(a)!(b)", "!(a)b",
        "[\\a-c]", "[a\\-c]", "[--0]", "{a,b}{c,d}{e,f}", "{{a,b},c}", "{a,b}}", "{{a,b}", "a{b,c{d,e}f}g", "\\\\{a,b}",
        "{a\\,b,c}", "{a..c..-1}", "{-2..2}", "{-02..2}", "{1..3}{a,b}", "a{b,c}{d,e}", "{a,b}?", "?(a|b)(c)",
        "a/!(!(b))", "a/@(!(b)|c)", "a/+(!(b))", "a/!(b)!(c)", "a/*(!(b)c)", "a/!(b)*", "a/!(*b)", "a/!(+(b))c",
        "a/+(b|+(c))", "a/@(?(b)|c)", "a/*(+(b))", "a/?(*(b))", "a/+(?(b))", "a/@(@(b|c))", "a/?(+(b))c", "a/!(@(b)|c)", "a/!(?(b))c",
    ];

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sb-glob-" + Guid.NewGuid().ToString("N")[..12]);

    public GlobDifferentialTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task EveryPatternAndPath_OursAndMinimatch_Agree()
    {
        string cases = Path.Combine(_directory, "cases.json"), output = Path.Combine(_directory, "out.json");
        await File.WriteAllTextAsync(cases, JsonSerializer.Serialize(new { patterns = Patterns, paths = Paths }), TestContext.Current.CancellationToken);
        var run = await ReferenceServer.RunNodeAsync("glob-cases.mjs", [cases, output], TimeSpan.FromMinutes(1));
        Assert.True(run.ExitCode == 0, run.Output);

        var differences = new List<string>();
        foreach (var result in JsonNode.Parse(await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken))!["results"]!.AsArray())
        {
            string pattern = result!["pattern"]!.GetValue<string>();
            Assert.True(result["error"] is null, $"minimatch refused '{pattern}': {result["error"]}");
            Glob glob;
            try
            {
                glob = Glob.Parse(pattern, TestContext.Current.CancellationToken);
            }
            catch (Exception exception) when (exception is ArgumentException or ModelContextProtocol.McpException)
            {
                differences.Add($"'{pattern}': minimatch accepts it, ours throws {exception.Message}");
                continue;
            }

            var expected = result["matches"]!.AsArray().Select(m => m!.GetValue<bool>()).ToArray();
            for (int i = 0; i < Paths.Length; i++)
            {
                if (glob.IsMatch(Paths[i]) != expected[i])
                {
                    differences.Add($"'{pattern}' on '{Paths[i]}': minimatch {expected[i]}, ours {!expected[i]}");
                }
            }
        }

        Assert.True(differences.Count == 0, $"{differences.Count} differences:\n{string.Join('\n', differences)}");
    }
}
