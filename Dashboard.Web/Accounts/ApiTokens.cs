using System.Security.Cryptography;
using System.Text;
using Dashboard.Web.Storage;
using LiteDB;
using Microsoft.AspNetCore.WebUtilities;

namespace Dashboard.Web.Accounts;

/// <summary>
/// A personal API token as stored: never the token itself, only its SHA-256 (the token is 256 random bits,
/// so a fast hash is enough: there is nothing to guess), and its first characters to recognise it by.
/// </summary>
public sealed record ApiToken
{
    public Guid Id { get; init; }
    public string Owner { get; init; } = "";
    public string Name { get; init; } = "";
    /// <summary>The most the token may do; it never does more than its owner's role at the time of use.</summary>
    public Role Role { get; init; }
    public string Hash { get; init; } = "";
    public string Prefix { get; init; } = "";
    public DateTime CreatedUtc { get; init; }
    public DateTime? ExpiresUtc { get; init; }
    public DateTime? LastUsedUtc { get; init; }
    public DateTime? RevokedUtc { get; init; }
    public string? RevokedBy { get; init; }

    [BsonIgnore]
    public bool Revoked => RevokedUtc is not null;
}

/// <summary>A token just made: <see cref="Secret"/> is shown once and never stored.</summary>
public sealed record CreatedToken(ApiToken Token, string Secret);

/// <summary>Personal API tokens in the "tokens" collection of the dashboard's database.</summary>
public sealed class ApiTokenStore
{
    public const string SecretPrefix = "dsh_";
    public const int MaxNameLength = 100, MaxTokensPerUser = 50;
    private static readonly TimeSpan LastUseResolution = TimeSpan.FromMinutes(1);
    private const string Collection = "tokens";
    private readonly RunStore _runs;
    private readonly TimeProvider _clock;

    public ApiTokenStore(RunStore runs, TimeProvider clock)
    {
        _runs = runs;
        _clock = clock;
        Write(tokens =>
        {
            tokens.EnsureIndex(t => t.Hash, unique: true);
            return tokens.EnsureIndex(t => t.Owner);
        });
    }

    // Asked for at each use: the run store reopens the database after a write fails on a full disk.
    private ILiteCollection<ApiToken> Tokens => _runs.GetCollection<ApiToken>(Collection);

    // Through the store's rule for writes: on a full disk nothing is kept, the database is reopened and DiskFullException thrown.
    private T Write<T>(Func<ILiteCollection<ApiToken>, T> work) => _runs.WriteTo(Collection, work);

    /// <summary>Makes a token for <paramref name="owner"/>; the error says why not (nothing is stored then).</summary>
    /// <exception cref="DiskFullException">The disk was full; no token was stored.</exception>
    public (CreatedToken? Created, string? Error) Create(string owner, string name, Role role, DateTime? expiresUtc)
    {
        name = name.Trim();
        if (name.Length is 0 or > MaxNameLength) return (null, $"A token's name has 1 to {MaxNameLength} characters.");
        if (expiresUtc is { } e && e <= _clock.GetUtcNow().UtcDateTime) return (null, "The expiry date is in the past.");
        if (ForOwner(owner).Count(t => !t.Revoked) >= MaxTokensPerUser) return (null, $"A user has at most {MaxTokensPerUser} active tokens; revoke some first.");
        var secret = SecretPrefix + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var token = new ApiToken
        {
            Id = Guid.NewGuid(), Owner = owner, Name = name, Role = role, Hash = HashOf(secret), Prefix = secret[..10],
            CreatedUtc = _clock.GetUtcNow().UtcDateTime, ExpiresUtc = expiresUtc,
        };
        Write(tokens => tokens.Insert(token));
        return (new CreatedToken(token, secret), null);
    }

    public IReadOnlyList<ApiToken> ForOwner(string owner) =>
        Tokens.Find(t => t.Owner == owner).OrderByDescending(t => t.CreatedUtc).ToList();

    public IReadOnlyList<ApiToken> All() => Tokens.FindAll().OrderByDescending(t => t.CreatedUtc).ToList();

    public ApiToken? Get(Guid id) => Tokens.FindById(id);

    /// <summary>The live token whose secret this is, noting its use; null if unknown, revoked or expired.</summary>
    public ApiToken? Authenticate(string secret)
    {
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal) || secret.Length > 100) return null;
        var hash = HashOf(secret);
        var token = Tokens.FindOne(t => t.Hash == hash);
        var now = _clock.GetUtcNow().UtcDateTime;
        if (token is null || token.Revoked || token.ExpiresUtc <= now) return null;
        if (token.LastUsedUtc is null || now - token.LastUsedUtc > LastUseResolution)
            NoteUse(token with { LastUsedUtc = now });
        return token;
    }

    /// <summary>Revokes a token; it is refused from the next request on. False if there is no such token.</summary>
    public bool Revoke(Guid id, string by)
    {
        var token = Tokens.FindById(id);
        if (token is null) return false;
        if (!token.Revoked) Write(tokens => tokens.Update(token with { RevokedUtc = _clock.GetUtcNow().UtcDateTime, RevokedBy = by }));
        return true;
    }

    // The time of last use is a note for its owner: a full disk must not refuse a valid token (it would shut API
    // clients out of reading, and of deleting runs to free space). It is written again at a later use.
    private void NoteUse(ApiToken used)
    {
        try
        {
            Write(tokens => tokens.Update(used));
        }
        catch (DiskFullException)
        {
        }
    }

    private static string HashOf(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
