using Dashboard.Bench;

// Benchmarks of the Dashboard. Each command prints a summary and, with --json, writes its figures.
return args.FirstOrDefault() switch
{
    "train" => TrainBench.Run(Arguments.Parse(args[1..])),
    "runs-page" => await RunsPageBench.RunAsync(Arguments.Parse(args[1..])),
    "epoch-latency" => await EpochLatencyBench.RunAsync(Arguments.Parse(args[1..])),
    "predict" => PredictBench.Run(Arguments.Parse(args[1..])),
    "phases" => PhasesBench.Run(Arguments.Parse(args[1..])),
    "resume" => ResumeBench.Run(Arguments.Parse(args[1..])),
    "backup" => await BackupBench.RunAsync(Arguments.Parse(args[1..])),
    "bad-input" => await BadInputBench.RunAsync(Arguments.Parse(args[1..])),
    "kill-storm" => await KillStormBench.RunAsync(Arguments.Parse(args[1..])),
    "load" => await LoadBench.RunAsync(Arguments.Parse(args[1..])),
    "bad-files" => await BadFilesBench.RunAsync(Arguments.Parse(args[1..])),
    "memory" => await MemoryBench.RunAsync(Arguments.Parse(args[1..])),
    "workers" => await WorkersBench.RunAsync(args[1..]),
    "bare-trainer" => BareTrainers.Child(Arguments.Parse(args[1..])),
    "analysis" => await AnalysisBench.RunAsync(Arguments.Parse(args[1..])),
    "asha" => await AshaBench.RunAsync(Arguments.Parse(args[1..])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: Dashboard.Bench train [--epochs N | --batches N] [--batch-size 128] [--threads 2] [--lr 1e-3]
                                     [--weight-decay 1e-4] [--seed 42] [--eval] [--json PATH]
                                     [--model SeedCnn|BnCnn|ResNetSmall] [--optimizer adam|adamw|sgd] [--momentum 0.9]
                                     [--augment] [--crop PIXELS] [--flip] [--erase P]
                                     [--schedule constant|step|cosine|onecycle] [--step-size 5] [--gamma 0.1] [--min-lr 0] [--warmup 0.3]
                                     [--val FRACTION] [--patience EPOCHS] [--ensemble N]
               Dashboard.Bench runs-page [--count 10000] [--repeat 20]
               Dashboard.Bench epoch-latency [--epochs 8] [--train-subset 4000]
               Dashboard.Bench phases [--batches 200] [--batch-size 128] [--threads 2] [--model SeedCnn] [--worker-thread]
               Dashboard.Bench resume [--rounds 5] [--threads 2] [--model SeedCnn]
               Dashboard.Bench backup [--runs 50] [--weights-kb 1700] [--checkpoint-kb 5100] [--rounds 3]
               Dashboard.Bench bad-input [--json PATH]
               Dashboard.Bench kill-storm [--kills 20] [--runs 3] [--epochs 3] [--train-subset 2000] [--seed 1] [--minutes 40]
               Dashboard.Bench load [--launches 200] [--watchers 50] [--queue-capacity 50] [--epochs 5] [--train-subset 2000]
               Dashboard.Bench bad-files
               Dashboard.Bench predict [--iterations 1000] [--runs 1] [--threads 2] [--train-subset 4000] [--epochs 1] [--weights FILE.tsm] [--json PATH]
               Dashboard.Bench memory [--runs 500] [--train-subset 500] [--sample N] [--env NAME=VALUE,...] [--smaps] [--json PATH]
               Dashboard.Bench analysis [--runs 2000] [--loads 5] [--no-browser] [--screenshots DIR]
               Dashboard.Bench workers [--runs 18] [--subset 2000] [--epochs 1] [--rounds 1] [--only a,b,c,d,e1,e2,t1,t2] [--json PATH]
               Dashboard.Bench asha [--smoke] [--subset 10000] [--lr 0.0005,0.001,0.002] [--wd 0,0.0001] [--batch 64,128] [--epochs 3,6,9]
                                    [--min-epochs 1] [--reduction 3] [--seed 42] [--threads 0] [--only grid|asha] [--json PATH]
        """);
    return 2;
}
