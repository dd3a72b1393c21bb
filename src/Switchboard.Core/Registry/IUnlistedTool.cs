namespace Switchboard.Registry;

/// <summary>
/// A tool that stays in its server's catalog, so a call by name reaches it and gets its explanation, but is left out
/// of <c>tools/list</c>: a remote tool whose changed definition awaits an administrator's approval.
/// </summary>
public interface IUnlistedTool;
