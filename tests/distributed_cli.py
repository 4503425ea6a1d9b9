"""Run several ``wavenetlike`` commands in the same torchrun processes (used by test_distributed.py).

``torchrun --nproc_per_node=2 tests/distributed_cli.py train ... --then train ... --resume ...``:
joins the process group once, runs each command with ``wavenetlike.cli.main`` and
exits with the first non-zero status. (One launch instead of one per command:
starting torch in every process is most of a small run's time.)
"""
import sys

from wavenetlike.cli import main
from wavenetlike.train.distributed import init_distributed, shutdown_distributed


def run(argv):
    commands, current = [], []
    for a in argv:
        if a == "--then":
            commands.append(current)
            current = []
        else:
            current.append(a)
    commands.append(current)
    ctx = init_distributed(device="cpu")
    try:
        for command in commands:
            status = main(command)
            if status:
                return status
        return 0
    finally:
        shutdown_distributed(ctx)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
