using Dashboard.Training;
using Dashboard.Training.Runtime;
using Dashboard.Training.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace Dashboard.Tests.Training;

public class LearningRateScheduleTests
{
    [Fact]
    public void ConstantIsTheLearningRateEverywhere()
    {
        var s = new LearningRateSchedule(ScheduleKind.Constant, 1e-3, Epochs: 10);
        Assert.All(Enumerable.Range(1, 10), e => Assert.Equal(1e-3, s.At(e, 3, 7)));
        Assert.Equal(1e-3, LearningRateSchedule.From(TrainingConfig.ReportControl).At(5));
        Assert.Equal(ScheduleKind.Constant, TrainingConfig.ReportControl.Schedule);
    }

    [Fact]
    public void StepDecaysByGammaEveryStepSizeEpochs()
    {
        var s = new LearningRateSchedule(ScheduleKind.Step, 0.1, Epochs: 9, StepSize: 3, StepGamma: 0.5);
        Assert.Equal([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025], Enumerable.Range(1, 9).Select(e => s.At(e)));
    }

    [Fact]
    public void CosineFallsFromTheRateTowardsTheFloor()
    {
        var s = new LearningRateSchedule(ScheduleKind.Cosine, 1.0, Epochs: 4, MinLearningRate: 0.2);
        // floor + (lr − floor)(1 + cos(π (e − 1) / 4)) / 2
        Assert.Equal(1.0, s.At(1), 1e-15);
        Assert.Equal(0.2 + 0.8 * (1 + Math.Sqrt(0.5)) / 2, s.At(2), 1e-15);
        Assert.Equal(0.6, s.At(3), 1e-15);
        Assert.Equal(0.2 + 0.8 * (1 - Math.Sqrt(0.5)) / 2, s.At(4), 1e-15);
    }

    [Fact]
    public void OneCycleWarmsUpToThePeakThenAnnealsToTheFloor()
    {
        // 2 epochs × 5 batches = 10 steps; warm-up 0.3 ⇒ the peak at step 0.3·10 − 1 = 2, the floor at step 9.
        var s = new LearningRateSchedule(ScheduleKind.OneCycle, 0.01, Epochs: 2, WarmupFraction: 0.3);
        const double start = 0.01 / 25, floor = start / 1e4;
        Assert.Equal(start, s.At(1, 0, 5), 1e-15);
        Assert.Equal((start + 0.01) / 2, s.At(1, 1, 5), 1e-15);
        Assert.Equal(0.01, s.At(1, 2, 5), 1e-15);
        Assert.Equal(floor + (0.01 - floor) * (1 + Math.Cos(Math.PI * 3 / 7)) / 2, s.At(2, 0, 5), 1e-15);
        Assert.Equal(floor, s.At(2, 4, 5), 1e-15);
        Assert.True(s.PerBatch);
        Assert.Equal(Enumerable.Range(0, 5).Average(b => s.At(2, b, 5)), s.MeanOfEpoch(2, 5), 1e-15);
    }

    [Theory]
    [InlineData(ScheduleKind.Step)]
    [InlineData(ScheduleKind.Cosine)]
    [InlineData(ScheduleKind.OneCycle)]
    public void MatchesTorchSharpsSchedulers(ScheduleKind kind)
    {
        // TorchSharp ports PyTorch's schedulers: an independent implementation of the same formulas.
        TorchRuntime.Initialize();
        const int epochs = 6, batches = 4;
        var s = new LearningRateSchedule(kind, 0.02, epochs, StepSize: 2, StepGamma: 0.3, MinLearningRate: 0.001, WarmupFraction: 0.25);
        using var p = new TorchSharp.Modules.Parameter(zeros(1));
        using var optimizer = optim.SGD([p], 0.02);
        var scheduler = kind switch
        {
            ScheduleKind.Step => optim.lr_scheduler.StepLR(optimizer, 2, 0.3),
            ScheduleKind.Cosine => optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs, 0.001),
            _ => optim.lr_scheduler.OneCycleLR(optimizer, 0.02, epochs * batches, pct_start: 0.25, cycle_momentum: false),
        };
        for (var e = 1; e <= epochs; e++)
        {
            for (var b = 0; b < (s.PerBatch ? batches : 1); b++)
            {
                Assert.Equal(optimizer.ParamGroups.First().LearningRate, s.At(e, b, batches), 1e-12);
                optimizer.step();
                scheduler.step();
            }
        }
    }
}
