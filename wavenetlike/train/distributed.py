"""Multi-process training (DistributedDataParallel), one process per GPU or CPU worker.

Launch with torchrun, which starts the processes and sets ``RANK``,
``LOCAL_RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT``::

    torchrun --nproc_per_node=4 -m wavenetlike train DATA --preset toy --batch 32

and across machines with torchrun's rendezvous options (see docs/distributed.md).
:func:`init_distributed` reads that environment and joins the process group
(NCCL on GPUs, gloo on CPUs); :class:`~wavenetlike.train.trainer.Trainer`
takes the returned :class:`DistributedContext` and then

* draws the same global batch on every rank and trains on its own slice
  (``WindowSampler(rank=, world_size=)``), so ``batch_size`` is the global
  batch and a run matches a single-process run with the same batch and seed;
* averages gradients across ranks (DDP) and the reported loss and accuracy
  (all-reduce), so every rank sees the same events;
* stops all ranks together (a cancel or time limit on any rank stops all);
* writes checkpoints on rank 0 only. Every rank reads the checkpoint to resume,
  so across machines it must be on storage they share (or copied to each).
"""
from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import Sequence

import torch
import torch.distributed as dist

__all__ = ["DistributedContext", "init_distributed", "shutdown_distributed", "launched_by_torchrun"]

ENV_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


@dataclass
class DistributedContext:
    """Where this process sits in a distributed run."""

    rank: int
    world_size: int
    local_rank: int
    backend: str
    device: torch.device

    @property
    def is_main(self) -> bool:
        """True on rank 0, the process that writes checkpoints and logs."""
        return self.rank == 0

    def mean(self, values: Sequence[float | None]) -> list[float | None]:
        """The mean of each value over all ranks (one all-reduce; None stays None on every rank)."""
        present = [v is not None for v in values]
        t = torch.tensor([float(v) if v is not None else 0.0 for v in values], dtype=torch.float64,
                         device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
        out = (t / self.world_size).tolist()
        return [o if p else None for o, p in zip(out, present)]

    def max_code(self, code: int) -> int:
        """The largest of an integer over all ranks (to agree on stopping)."""
        t = torch.tensor([int(code)], dtype=torch.int64, device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return int(t.item())

    def barrier(self) -> None:
        if self.device.type == "cuda":
            dist.barrier(device_ids=[self.device.index or 0])
        else:
            dist.barrier()


def launched_by_torchrun() -> bool:
    """True when the environment holds torchrun's RANK and WORLD_SIZE."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def _resolve_device(device: str | torch.device, local_rank: int) -> torch.device:
    d = str(device)
    if d == "auto":
        d = "cuda" if torch.cuda.is_available() else "cpu"
    if d.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(f"device = {str(device)!r}: CUDA is not available on this machine; use 'cpu' or 'auto'")
        n = torch.cuda.device_count()
        if local_rank >= n:
            raise ValueError(f"LOCAL_RANK = {local_rank} but this machine has {n} GPU(s): "
                             f"start at most {n} processes per node (--nproc_per_node)")
        return torch.device("cuda", local_rank)
    if d != "cpu":
        raise ValueError(f"device = {str(device)!r}: use 'auto', 'cpu' or 'cuda'")
    return torch.device("cpu")


def init_distributed(device: str | torch.device = "auto", backend: str | None = None,
                     timeout_s: float = 1800.0) -> DistributedContext | None:
    """Join the process group described by torchrun's environment; None when not launched that way.

    ``device`` "auto" gives each process the GPU ``cuda:LOCAL_RANK`` when
    CUDA is available, else the CPU. ``backend`` defaults to "nccl" on GPUs
    and "gloo" on CPUs. With ``WORLD_SIZE`` 1 it still returns a context
    (a one-process group), so the same code path runs.
    """
    if not launched_by_torchrun():
        return None
    missing = [v for v in ENV_VARS if v not in os.environ and v != "LOCAL_RANK"]
    if missing:
        raise ValueError(f"distributed launch: the environment lacks {', '.join(missing)} "
                         f"(start with torchrun, which sets them)")
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", rank))
    dev = _resolve_device(device, local_rank)
    backend = backend or ("nccl" if dev.type == "cuda" else "gloo")
    if backend not in ("nccl", "gloo"):
        raise ValueError(f"backend = {backend!r}: use 'nccl' (GPUs) or 'gloo' (CPUs)")
    if backend == "nccl" and dev.type != "cuda":
        raise ValueError("backend 'nccl' needs GPUs; use 'gloo' to train on CPUs")
    if dev.type == "cuda":
        torch.cuda.set_device(dev)
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, init_method="env://", rank=rank, world_size=world,
                                timeout=datetime.timedelta(seconds=timeout_s))
    return DistributedContext(rank=rank, world_size=world, local_rank=local_rank, backend=backend, device=dev)


def shutdown_distributed(ctx: DistributedContext | None) -> None:
    """Leave the process group (safe to call with None or twice)."""
    if ctx is not None and dist.is_initialized():
        dist.destroy_process_group()
