var builder = WebApplication.CreateBuilder(args);
builder.Services.AddDashboardWeb();

var app = builder.Build();
app.MapDashboardWeb();
app.Run();

/// <summary>Entry point, public for WebApplicationFactory in the tests.</summary>
public partial class Program;
