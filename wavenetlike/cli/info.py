"""``wavenetlike info CHECKPOINT [--json]``: the model report and training state of a checkpoint."""
from __future__ import annotations

import argparse
import json

from ..analysis import analyze
from .common import Command, fmt, json_default, load_ckpt
from .output import Output

__all__ = ["InfoCommand"]


class InfoCommand(Command):
    name = "info"
    help = "describe a checkpoint: model report and training state"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("checkpoint", help="a .safetensors checkpoint")
        p.add_argument("--json", action="store_true", help="print JSON")
        p.add_argument("--allow-non-finite", action="store_true",
                       help="describe a checkpoint whose weights hold NaN or infinite values (refused otherwise)")

    def run(self, args: argparse.Namespace, out: Output) -> int:
        ck = load_ckpt(args.checkpoint, allow_non_finite=args.allow_non_finite)
        model = ck.model
        st = ck.state
        if not hasattr(model, "config"):
            info = {"kind": "block", "config": ck.config, "receptive_field": model.receptive_field}
            if model.n_layers == 1 and model.kernel_length == 2 and model.channels == 1:
                info["ar_coefficients"] = model.ar_coefficients()
            out.say(json.dumps(info, indent=2) if args.json else
                    f"Block {ck.config}\nReceptive field Δ: {model.receptive_field} samples" +
                    (f"\nAR(2) coefficients: {info['ar_coefficients']}" if "ar_coefficients" in info else ""))
            return 0
        report = analyze(model)
        steps = [h for h in st.get("history", []) if h.get("kind") == "step"]
        vals = [h for h in st.get("history", []) if h.get("kind") == "validation"]
        if args.json:
            out.say(json.dumps({"checkpoint": ck.path, "config": ck.config.to_dict(), "report": report.to_dict(),
                                "step": ck.step, "last_step": steps[-1] if steps else None,
                                "last_validation": vals[-1] if vals else None, "scale": ck.scale,
                                "labels": ck.labels, "sample_rate": st.get("sample_rate"),
                                "elapsed": st.get("elapsed"), "optimizer": ck.optimizer_meta is not None},
                               indent=2, default=json_default))
            return 0
        out.say(f"Checkpoint: {ck.path}")
        out.say(report.summary())
        out.say(f"Training: step {ck.step}, {fmt(st.get('elapsed'), '.1f')} s of training"
                + (", optimizer state saved" if ck.optimizer_meta is not None else ", no optimizer state"))
        if steps:
            s = steps[-1]
            out.say(f"Last training loss {fmt(s.get('loss'))}"
                    + (f", accuracy {s['accuracy']:.1%}" if s.get("accuracy") is not None else ""))
        if vals:
            v = vals[-1]
            out.say(f"Last validation loss {fmt(v.get('val_loss'))} at step {v.get('step')}"
                    + (f", accuracy {v['val_accuracy']:.1%}" if v.get("val_accuracy") is not None else ""))
        out.say(f"Data: sample rate {st.get('sample_rate', model.config.sample_rate)} Hz, scale {ck.scale:g}"
                + (f", labels {', '.join(ck.labels)}" if ck.labels else ""))
        return 0
