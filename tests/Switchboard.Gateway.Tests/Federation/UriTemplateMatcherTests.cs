using Switchboard.Upstreams.Catalog;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>Which concrete URIs a remote resource template claims, so resources/read reaches the upstream that serves them.</summary>
public sealed class UriTemplateMatcherTests
{
    [Theory]
    [InlineData("test://template/{id}/data", "test://template/42/data", true)]
    [InlineData("test://template/{id}/data", "test://template/4/2/data", false)]
    [InlineData("test://template/{id}/data", "test://template/42/data/more", false)]
    [InlineData("file:///{+path}", "file:///srv/shared/a.txt", true)]
    [InlineData("demo://items{?page,size}", "demo://items", true)]
    [InlineData("demo://items{?page,size}", "demo://items?page=2&size=5", true)]
    [InlineData("demo://items{?page,size}", "demo://other", false)]
    [InlineData("demo://a.b/{x}", "demo://aXb/1", false)]
    public void Matches_OnlyTheUrisTheTemplateCanExpandTo(string template, string uri, bool expected) =>
        Assert.Equal(expected, new UriTemplateMatcher(template).IsMatch(uri));
}
