using Dashboard.Web.Accounts;
using Microsoft.AspNetCore.Components.Authorization;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// The actor a page acts as, from the cascading authentication state (Local mode: <see cref="Actor.Local"/>).
/// Pages pass it to <see cref="RunActions"/> and <see cref="StudyActions"/>, which decide; pages only grey out what those would refuse.
/// </summary>
public static class CurrentActor
{
    /// <summary>Who a page acts as before the state is read, or without one: may look, never change.</summary>
    public static readonly Actor Nobody = new("", Role.Viewer);

    public static async Task<Actor> OfAsync(Task<AuthenticationState>? state) =>
        state is null ? Nobody : Actor.From((await state).User);
}
