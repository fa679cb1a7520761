using Bunit;
using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Training.Schedules;
using Dashboard.Web.Components.Pages.NewRun;
using Dashboard.Web.Storage;
using Dashboard.Web.Training;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Extensions;

namespace Dashboard.Tests.Web;

/// <summary>The New run form: validation per field, presets, CUDA where there is none, launch.</summary>
public sealed class NewRunPageTests : ComponentTests
{
    private static IRenderedComponent<MudNumericField<int>> IntField(IRenderedComponent<NewRun> page, string label) =>
        page.FindComponents<MudNumericField<int>>().Single(f => f.Instance.Label == label);

    private static IRenderedComponent<MudTextField<string>> TextField(IRenderedComponent<NewRun> page, string label) =>
        page.FindComponents<MudTextField<string>>().Single(f => f.Instance.Label == label);

    private static Task Set<T>(IRenderedComponent<NewRun> page, MudBaseInput<T> field, T value) =>
        page.InvokeAsync(() => field.ValueChanged.InvokeAsync(value));

    [Fact]
    public async Task InvalidFieldsEachShowTheirOwnMessageAndNothingIsStored()
    {
        await using var ctx = NewContext();
        var page = ctx.Render<NewRun>();

        await Set(page, IntField(page, "Epochs").Instance, 0);
        await Set(page, IntField(page, "Batch size").Instance, 70_000);
        await Set(page, TextField(page, "Learning rate").Instance, "fast");
        await Set(page, TextField(page, "Weight decay").Instance, "-1e-4");
        page.Find("[data-testid=launch]").Click();

        var epochs = IntField(page, "Epochs").Instance;
        Assert.True(epochs.GetState(x => x.Error));
        Assert.Contains("Epochs must be between 1 and 500 (got 0)", epochs.GetState(x => x.ErrorText));
        Assert.Contains("Batch size must be between", IntField(page, "Batch size").Instance.GetState(x => x.ErrorText));
        Assert.Contains("Learning rate must be a number", TextField(page, "Learning rate").Instance.GetState(x => x.ErrorText));
        Assert.Contains("'fast'", TextField(page, "Learning rate").Instance.GetState(x => x.ErrorText));
        Assert.Contains("Weight decay must be a number at least 0", TextField(page, "Weight decay").Instance.GetState(x => x.ErrorText));
        // Valid fields stay clean, and the summary counts the bad ones.
        Assert.False(IntField(page, "CPU threads").Instance.GetState(x => x.Error));
        Assert.Contains("4 fields need fixing", page.Find("[data-testid=launch-error]").TextContent);

        Assert.Equal(0, ctx.Store().Count());
        Assert.DoesNotContain("/runs/", ctx.Services.GetRequiredService<NavigationManager>().Uri);

        // Fixing a field clears its message and only its message.
        await Set(page, IntField(page, "Epochs").Instance, 3);
        Assert.False(IntField(page, "Epochs").Instance.GetState(x => x.Error));
        Assert.True(IntField(page, "Batch size").Instance.GetState(x => x.Error));
    }

    [Fact]
    public async Task PresetsFillTheFields()
    {
        await using var ctx = NewContext();
        var page = ctx.Render<NewRun>();
        await Set(page, IntField(page, "Epochs").Instance, 99);

        page.Find("[data-testid=preset-best]").Click();
        Assert.Equal(15, IntField(page, "Epochs").Instance.GetState(x => x.Value));
        Assert.Equal(64, IntField(page, "Batch size").Instance.GetState(x => x.Value));
        Assert.Equal("0.001", TextField(page, "Learning rate").Instance.GetState(x => x.Value));
        Assert.Equal("0.0001", TextField(page, "Weight decay").Instance.GetState(x => x.Value));
        Assert.Null(page.FindComponents<MudNumericField<int?>>().Single().Instance.GetState(x => x.Value));

        page.Find("[data-testid=preset-quick]").Click();
        Assert.Equal(1, IntField(page, "Epochs").Instance.GetState(x => x.Value));
        Assert.Equal(128, IntField(page, "Batch size").Instance.GetState(x => x.Value));
        Assert.Equal(4000, page.FindComponents<MudNumericField<int?>>().Single().Instance.GetState(x => x.Value));

        page.Find("[data-testid=preset-control]").Click();
        Assert.Equal(10, IntField(page, "Epochs").Instance.GetState(x => x.Value));
        Assert.Equal(128, IntField(page, "Batch size").Instance.GetState(x => x.Value));
        Assert.Null(page.FindComponents<MudNumericField<int?>>().Single().Instance.GetState(x => x.Value));
    }

    [Fact]
    public async Task CudaIsRefusedBeforeLaunchWhereThereIsNone()
    {
        await using var ctx = NewContext();
        ctx.Render<MudPopoverProvider>();
        var form = ctx.Render<RunConfigForm>(p => p
            .Add(f => f.Model, new RunFormModel())
            .Add(f => f.Errors, new Dictionary<string, string>())
            .Add(f => f.CudaAvailable, false));
        var device = form.FindComponents<MudSelect<DeviceChoice>>().Single();
        Assert.Contains("No CUDA device", device.Instance.HelperText);
        device.Find("div.mud-input-control").MouseDown();
        var cuda = form.FindComponents<MudSelectItem<DeviceChoice>>().Single(i => i.Instance.Value == DeviceChoice.Cuda);
        Assert.True(cuda.Instance.Disabled);

        // Chosen anyway (a stale form, a script): the form names the field and stores nothing.
        var model = new RunFormModel { Device = DeviceChoice.Cuda };
        var (config, errors) = model.Validate(cudaAvailable: false);
        Assert.Null(config);
        Assert.Contains("no CUDA device", Assert.Single(errors).Value);
        Assert.Equal(nameof(TrainingConfig.Device), errors.Single().Key);
        Assert.Empty(model.Validate(cudaAvailable: true).Errors);

        // The page asks the training service; on this CPU build it refuses CUDA at the field.
        var page = ctx.Render<NewRun>();
        var pageDevice = page.FindComponents<MudSelect<DeviceChoice>>().Single();
        await page.InvokeAsync(() => pageDevice.Instance.ValueChanged.InvokeAsync(DeviceChoice.Cuda));
        page.Find("[data-testid=launch]").Click();
        if (TrainingService.CudaAvailable)
        {
            Assert.False(pageDevice.Instance.GetState(x => x.Error));
        }
        else
        {
            Assert.Contains("no CUDA device", pageDevice.Instance.GetState(x => x.ErrorText));
            Assert.Equal(0, ctx.Store().Count());
        }
    }

    [Fact]
    public async Task MoreSettingsReachTheConfigAndOpenWhenOneOfThemIsWrong()
    {
        await using var ctx = NewContext();
        var page = ctx.Render<NewRun>();
        var schedule = page.FindComponents<MudSelect<ScheduleKind>>().Single();
        await page.InvokeAsync(() => schedule.Instance.ValueChanged.InvokeAsync(ScheduleKind.Step));
        await Set(page, IntField(page, "Step size (epochs)").Instance, 3);
        await Set(page, TextField(page, "Step factor (gamma)").Instance, "0.5");
        await Set(page, TextField(page, "Erasing probability").Instance, "1.5");
        page.Find("[data-testid=launch]").Click();

        Assert.Contains("Erasing probability must be between 0 (off) and 1", TextField(page, "Erasing probability").Instance.GetState(x => x.ErrorText));
        Assert.True(page.FindComponent<MudExpansionPanel>().Instance.GetState(x => x.Expanded));
        Assert.Equal(0, ctx.Store().Count());

        await Set(page, TextField(page, "Erasing probability").Instance, "0.25");
        page.Find("[data-testid=launch]").Click();
        var config = Assert.Single(ctx.Store().Query(new RunQuery()).Items).Config;
        Assert.Equal((ScheduleKind.Step, 3, 0.5, 0.25), (config.Schedule, config.StepSize, config.StepGamma, config.ErasingProbability));
    }

    [Fact]
    public async Task ALaunchStoresTheConfigAsEnteredAndOpensTheRunPage()
    {
        await using var ctx = NewContext();
        var page = ctx.Render<NewRun>();
        page.Find("[data-testid=preset-quick]").Click();
        await Set(page, TextField(page, "Run name (optional)").Instance, "  my quick run ");
        await Set(page, TextField(page, "Learning rate").Instance, "2e-3");
        await Set(page, IntField(page, "CPU threads").Instance, 2);
        page.Find("[data-testid=launch]").Click();

        var run = Assert.Single(ctx.Store().Query(new RunQuery()).Items);
        Assert.Equal("my quick run", run.Name);
        Assert.Equal(RunStatus.Queued, run.Status);
        Assert.Equal(TrainingConfig.ReportControl with { Epochs = 1, TrainSubset = 4000, LearningRate = 0.002, Threads = 2 }, run.Config);
        Assert.EndsWith($"/runs/{run.Id}", ctx.Services.GetRequiredService<NavigationManager>().Uri);
    }
}
