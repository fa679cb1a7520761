#!/usr/bin/python3
"""PyTorch peer of the Dashboard training benchmark.

Trains the same CNN as the C# harness (bench/Dashboard.Bench) on the real
Fashion-MNIST, with the same data path shape (whole set in memory, batches are
index_select slices of a seeded permutation), so the two measure the same work:
the framework's forward/backward/optimizer cost, not data plumbing.

Run it with Debian's interpreter, which is the one python3-torch is built for:

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/peer/train_pytorch.py --batches 100 --json /tmp/peer.json

OPENBLAS_NUM_THREADS=1 keeps OpenBLAS from starting its own thread pool on top
of torch's intra-op pool; --threads is then the only knob for parallelism.
"""

import argparse
import gzip
import json
import os
import resource
import struct
import sys
import time

import torch
import torch.nn as nn

DATA_DIR = "/usr/share/datasets/fashion-mnist"  # Debian package dataset-fashion-mnist
MEAN, STD = 0.2860, 0.3530                     # same constants as the C# side
EXPECTED_PARAMS = 688_138
EVAL_BATCH = 1000  # eval batch size only affects speed of the untimed eval pass


def read_idx(path, expected_magic):
    """Read a gzipped IDX file into a uint8 tensor of its declared shape."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">i", raw[:4])
    if magic != expected_magic:
        raise ValueError(f"{path}: magic {magic:#x}, expected {expected_magic:#x}")
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "i" * ndim, raw[4:4 + 4 * ndim])
    # bytearray: torch.frombuffer warns on read-only buffers such as bytes.
    # Going through torch (not numpy) keeps the script's dependencies to torch alone.
    data = torch.frombuffer(bytearray(raw[4 + 4 * ndim:]), dtype=torch.uint8)
    return data.reshape(dims)


def load_split(prefix):
    """Images as normalised float32 [N,1,28,28], labels as int64 [N]."""
    images = read_idx(os.path.join(DATA_DIR, f"{prefix}-images-idx3-ubyte.gz"), 0x803)
    labels = read_idx(os.path.join(DATA_DIR, f"{prefix}-labels-idx1-ubyte.gz"), 0x801)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{prefix}: {images.shape[0]} images but {labels.shape[0]} labels")
    # In place, so loading does not leave a peak of several full-size float
    # temporaries in ru_maxrss: peak RSS is one of the compared figures.
    x = images.to(torch.float32)
    x.div_(255.0).sub_(MEAN).div_(STD)
    return x.unsqueeze(1), labels.to(torch.int64)


def build_model():
    # 28 -> 14 -> 7 -> 3 after the three pools, hence 128*3*3 = 1152 features.
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(128 * 3 * 3, 512), nn.ReLU(),
        nn.Linear(512, 10),
    )


def rss_mb():
    """Current resident set size, from /proc/self/statm (second field, in pages)."""
    with open("/proc/self/statm") as f:
        resident_pages = int(f.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def peak_rss_mb():
    # ru_maxrss is in kilobytes on Linux (bytes on macOS; Linux is all we support).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def evaluate(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, x.shape[0], EVAL_BATCH):
            logits = model(x[start:start + EVAL_BATCH])
            correct += (logits.argmax(1) == y[start:start + EVAL_BATCH]).sum().item()
    model.train()
    return correct / x.shape[0]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    stop = p.add_mutually_exclusive_group()
    stop.add_argument("--epochs", type=int, default=None, help="full epochs to train (default 1)")
    stop.add_argument("--batches", type=int, default=None,
                      help="stop after this many batches in total (no per-epoch eval)")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--eval", action="store_true",
                   help="evaluate test accuracy after each epoch (ignored with --batches)")
    p.add_argument("--json", metavar="PATH", help="write the result as JSON here")
    p.add_argument("--channels-last", action="store_true",
                   help="train in the channels-last memory layout, as the C# models do (not the default: "
                        "the peer is plain PyTorch unless asked)")
    args = p.parse_args(argv)
    if args.epochs is None and args.batches is None:
        args.epochs = 1
    for name in ("epochs", "batches", "batch_size", "threads"):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)  # weight init

    # Data loading is deliberately outside every timed region.
    x_train, y_train = load_split("train")
    x_test, y_test = load_split("t10k") if args.eval and args.batches is None else (None, None)
    n_train = x_train.shape[0]
    batches_per_epoch = (n_train + args.batch_size - 1) // args.batch_size  # keep the short last batch

    model = build_model()
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x_train = x_train.contiguous(memory_format=torch.channels_last)
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == EXPECTED_PARAMS, f"model has {n_params} parameters, expected {EXPECTED_PARAMS}"
    # torch.optim.Adam's weight_decay is classic L2 added to the gradient (not AdamW);
    # TorchSharp's torch.optim.Adam mirrors this, so both sides optimise the same objective.
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    # A dedicated generator so the shuffle order depends only on --seed,
    # not on how many random numbers weight init happened to draw.
    shuffle_gen = torch.Generator().manual_seed(args.seed)

    total_batches = args.batches if args.batches is not None else args.epochs * batches_per_epoch
    epoch_seconds, rss_by_epoch, accuracies, epoch_losses = [], [], [], []
    batches_done = images_done = 0
    model.train()
    while batches_done < total_batches:
        epoch_batches = min(batches_per_epoch, total_batches - batches_done)
        loss_sum = 0.0
        # Timed: shuffle, batch slicing and the training steps. Slicing an in-memory
        # tensor is what the C# side does too, so it belongs to the per-step cost.
        t0 = time.perf_counter()
        perm = torch.randperm(n_train, generator=shuffle_gen)
        for b in range(epoch_batches):
            idx = perm[b * args.batch_size:(b + 1) * args.batch_size]
            xb = x_train.index_select(0, idx)
            yb = y_train.index_select(0, idx)
            # set_to_none explicitly: the default changed between torch 1.x and 2.x.
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item()  # CPU tensors: no device sync, just a scalar read
            images_done += idx.shape[0]
        epoch_seconds.append(time.perf_counter() - t0)
        batches_done += epoch_batches
        rss_by_epoch.append(rss_mb())
        epoch_losses.append(loss_sum / epoch_batches)

        epoch_no = len(epoch_seconds)
        line = (f"epoch {epoch_no}: {epoch_batches} batches, {epoch_seconds[-1]:.2f} s, "
                f"loss {epoch_losses[-1]:.4f}, rss {rss_by_epoch[-1]:.0f} MB")
        if x_test is not None:
            accuracies.append(evaluate(model, x_test, y_test))  # untimed
            line += f", test acc {accuracies[-1] * 100:.2f}%"
        print(line, flush=True)

    seconds = sum(epoch_seconds)
    result = {
        "impl": "pytorch",
        "channels_last": args.channels_last,
        "version": str(torch.__version__),
        "threads": args.threads,
        "batch_size": args.batch_size,
        "batches": batches_done,
        "images": images_done,
        "seconds": seconds,
        "images_per_sec": images_done / seconds,
        "epoch_seconds": epoch_seconds,
        "rss_mb_by_epoch": rss_by_epoch,
        "peak_rss_mb": peak_rss_mb(),
        "test_accuracy": accuracies,
    }
    print(f"pytorch {result['version']}, {args.threads} threads, batch {args.batch_size}: "
          f"{batches_done} batches / {images_done} images in {seconds:.2f} s = "
          f"{result['images_per_sec']:.0f} img/s; peak RSS {result['peak_rss_mb']:.0f} MB"
          + (f"; final test acc {accuracies[-1] * 100:.2f}%" if accuracies else ""))
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
