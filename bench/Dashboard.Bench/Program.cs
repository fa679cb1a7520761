using Dashboard.Bench;

// Benchmarks of the Dashboard. Each command prints a summary and, with --json, writes its figures.
return args.FirstOrDefault() switch
{
    "train" => TrainBench.Run(Arguments.Parse(args[1..])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: Dashboard.Bench train [--epochs N | --batches N] [--batch-size 128] [--threads 2] [--lr 1e-3]
                                     [--weight-decay 1e-4] [--seed 42] [--eval] [--json PATH]
        """);
    return 2;
}
