using System.Text.Json;
using Switchboard.FakeLlm;

// Usage: Switchboard.FakeLlm --urls http://127.0.0.1:PORT [--script turns.json]
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var state = new ScriptState();
if (builder.Configuration["script"] is { } scriptPath)
{
    state.Load(JsonSerializer.Deserialize<Script>(File.ReadAllText(scriptPath), Script.Json)
        ?? throw new InvalidOperationException($"{scriptPath} holds no script."));
}

builder.Services.AddSingleton(state);
var app = builder.Build();

app.MapGet("/admin/health", () => Results.Ok("ready"));
app.MapPost("/admin/script", async (HttpRequest request, ScriptState scripts) =>
{
    var script = await JsonSerializer.DeserializeAsync<Script>(request.Body, Script.Json, request.HttpContext.RequestAborted);
    if (script?.Turns is null)
    {
        return Results.BadRequest("Send {\"turns\": [...]}.");
    }

    scripts.Load(script);
    return Results.NoContent();
});
app.MapGet("/admin/requests", (ScriptState scripts) => Results.Json(scripts.Requests(), Script.Json));
app.MapPost("/v1/chat/completions", (HttpContext context, ScriptState scripts) => OpenAIProtocol.HandleAsync(context, scripts));
app.MapPost("/v1/messages", (HttpContext context, ScriptState scripts) => AnthropicProtocol.HandleAsync(context, scripts));
app.Run();
