using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Dashboard.Training.Runtime;

/// <summary>Process-wide TorchSharp set-up: native memory tuning, device choice, thread count, environment facts.</summary>
public static partial class TorchRuntime
{
    private static readonly Lock InitLock = new();
    private static bool _initialized;

    /// <summary>
    /// Loads TorchSharp and, on Linux, tunes glibc's malloc. Without the tuning glibc maps and unmaps
    /// every batch's large buffers (~10 s of system time per epoch measured here). Safe to call often.
    /// </summary>
    /// <exception cref="TorchUnavailableException">The native libraries could not be loaded.</exception>
    public static void Initialize()
    {
        lock (InitLock)
        {
            if (_initialized) return;
            if (OperatingSystem.IsLinux())
            {
                try
                {
                    Mallopt(MmapThreshold, 32 << 20);
                    Mallopt(TrimThreshold, 512 << 20);
                    // Training runs on a worker thread, whose malloc arena is a chain of 64 MiB heaps. glibc
                    // deletes a heap that empties (munmap, then page faults when it is needed again) unless
                    // the top pad covers it; the trim threshold does not apply there. Measured: ~1,600 page
                    // faults and ~11 ms of system time per batch without this, none with it.
                    Mallopt(TopPad, 64 << 20);
                }
                catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
                {
                    // Not glibc (e.g. musl): run untuned rather than fail.
                }
            }
            try
            {
                _ = torch.cuda.is_available();
            }
            catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException)
            {
                throw new TorchUnavailableException(
                    "TorchSharp's native libraries could not be loaded: " + e.Message +
                    " On Linux the build marks GLIBCXX_3.4.32 weak in libLibTorchSharp.so (build/TorchSharp.targets); rebuild the project if the output was copied by hand.", e);
            }
            _initialized = true;
        }
    }

    /// <summary>
    /// Gives the pages of free malloc chunks in every arena back to the system (glibc's <c>malloc_trim(0)</c>),
    /// e.g. when the dashboard has no more runs to train. Not during a run: its next batches would fault
    /// those pages in again (decision 0003). A run's arena keeps ~230 MB of free chunks after it ends (decision 0016).
    /// Returns false where there is nothing to call (not glibc).
    /// </summary>
    public static bool TrimNativeHeap()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            MallocTrim(0);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Whether a CUDA device can be used by this build on this machine.</summary>
    public static bool CudaAvailable
    {
        get
        {
            Initialize();
            return torch.cuda.is_available();
        }
    }

    /// <summary>Resolves a device choice; CUDA requested where none exists is an error.</summary>
    public static Device ResolveDevice(DeviceChoice choice) => choice switch
    {
        DeviceChoice.Cpu => CPU,
        DeviceChoice.Cuda when CudaAvailable => CUDA,
        DeviceChoice.Cuda => throw new InvalidConfigException([new ConfigError(nameof(TrainingConfig.Device), "CUDA was requested but no CUDA device is available.")]),
        _ => CudaAvailable ? CUDA : CPU,
    };

    /// <summary>Threads a config asks for, 0 meaning one per core.</summary>
    public static int ResolveThreads(int requested) => requested > 0 ? requested : Environment.ProcessorCount;

    /// <summary>Facts about this process for a run's record.</summary>
    public static RunEnvironment Describe(Device device, int threads) => new(
        TorchSharpVersion: typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "unknown",
        LibTorchVersion: LibTorchVersion,
        Device: device.type == DeviceType.CUDA ? $"cuda ({torch.cuda.device_count()} device(s))" : "cpu",
        Threads: threads,
        OperatingSystem: RuntimeInformation.OSDescription,
        CpuModel: CpuModel.Value,
        ProcessorCount: Environment.ProcessorCount,
        DotNetVersion: RuntimeInformation.FrameworkDescription);

    /// <summary>The libtorch version this build ships (from the native package's assembly metadata when present).</summary>
    public static string LibTorchVersion { get; } = "2.10.0";

    private static readonly Lazy<string> CpuModel = new(() =>
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        }
        catch (IOException)
        {
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    });

    private const int TrimThreshold = -1;
    private const int TopPad = -2;
    private const int MmapThreshold = -3;

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int param, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}

/// <summary>TorchSharp's native libraries could not be loaded.</summary>
public sealed class TorchUnavailableException(string message, Exception inner) : Exception(message, inner);
