"""Words for every ModelConfig field: its label in the Architecture form and what it does to Δ and the parameters."""
from __future__ import annotations

__all__ = ["FIELD_HELP", "FIELD_LABELS"]

FIELD_LABELS: dict[str, str] = {
    "n_blocks": "blocks",
    "layers_per_block": "layers per block",
    "kernel_size": "kernel size",
    "dilation_base": "dilation base",
    "dilations": "explicit dilations",
    "residual_channels": "residual channels",
    "gate_channels": "gate channels",
    "skip_channels": "skip channels",
    "output_channels": "output channels",
    "quantization_channels": "mu-law classes",
    "continuous": "continuous output",
    "input_kind": "input",
    "mixture_components": "mixture components",
    "linear_order": "linear predictor order",
    "adaptive_scale": "adaptive scale",
    "pitch_predictor": "pitch term",
    "initial_conv_width": "input conv width",
    "use_bias": "biases",
    "sample_rate": "sample rate (Hz)",
    "global_condition_classes": "label classes",
    "global_condition_channels": "label embedding size",
    "local_condition_channels": "local cond. channels",
    "local_condition_hop": "local cond. hop",
    "labels": "label names",
}

FIELD_HELP: dict[str, str] = {
    "n_blocks": "How many times the dilation pattern repeats; every block adds its layers' "
                "dilations to Δ and its layers' weights to the parameters.",
    "layers_per_block": "Dilated layers per block, with dilations 1, base, base², …; one more layer "
                        "about doubles Δ (base 2) and adds one layer of parameters per block.",
    "kernel_size": "Taps of each dilated convolution; Δ grows in proportion to kernel − 1 and the "
                   "dilated convolutions' parameters in proportion to the kernel.",
    "dilation_base": "Factor between consecutive dilations in a block (2 gives 1, 2, 4, …); a larger "
                     "base makes Δ grow much faster at no cost in parameters.",
    "dilations": "Optional list of dilations, one per layer (e.g. 1, 2, 4, 8), which replaces blocks, "
                 "layers and base; Δ grows with their sum, parameters with their count.",
    "residual_channels": "Width of the signal passed from layer to layer; no effect on Δ, parameters "
                         "grow roughly with its square.",
    "gate_channels": "Width of each layer's gated tanh·sigmoid unit; no effect on Δ, parameters grow "
                     "in proportion.",
    "skip_channels": "Width of the skip connections every layer adds into the output; no effect on Δ, "
                     "parameters grow in proportion.",
    "output_channels": "Width of the hidden 1×1 layer before the output; no effect on Δ, adds "
                       "parameters in proportion.",
    "quantization_channels": "How many amplitude levels (mu-law classes) the model chooses from; no "
                             "effect on Δ, more levels mean finer sound and more parameters in the input and output layers.",
    "continuous": "Predict a mixture of logistic distributions over 16-bit audio instead of mu-law classes "
                  "(right for AR(2) data, and finer sound); generation samples from it. No effect on Δ; "
                  "fewer parameters in the output layer (3 numbers per mixture component).",
    "input_kind": "What the network sees of each past sample: its mu-law class (one-hot, the original "
                  "WaveNet), its value at full resolution (value), or both; value+excitation adds what the "
                  "linear predictor leaves of each sample (needs a linear predictor order; it did not improve "
                  "the held-out score on the bundled speech). No effect on Δ (excitation: Δ grows by the "
                  "order); a one-hot input adds a column of parameters per class, a value input two.",
    "linear_order": "A linear prediction from this many past values, added to the mixture's means "
                    "(continuous models with a value input; 0 for none). Training sets it to the linear "
                    "predictor fitted on the training clips and keeps it fixed, so the model starts near that "
                    "baseline's score and the network learns what it leaves; Δ becomes at least this order; adds this many parameters.",
    "adaptive_scale": "The mixture's spread follows the level of what the linear predictor left over the "
                      "last few milliseconds, as the library's linear-predictor baseline does, so quiet and "
                      "loud passages each get a fitting spread from the first step (needs a linear predictor "
                      "order). Measured on the bundled speech: 0.3 bits/sample better held out. Δ becomes at "
                      "least the order + 32; no parameters.",
    "pitch_predictor": "A pitch (long-term) predictor joins the mixture's means, as a speech codec's adaptive "
                       "codebook: it finds the lag (2.5–12.5 ms, a voice's period) at which the last 1.25 ms of "
                       "what the linear predictor left repeats best and predicts the next sample from one lag "
                       "back, so a voiced sound the model makes keeps its pitch (needs a linear predictor order). "
                       "Δ becomes at least the order + 1.25 ms + 12.5 ms (+ 32 with the adaptive scale, which "
                       "then follows what the pitch term leaves); no parameters.",
    "mixture_components": "Logistic components of a continuous output (1: one logistic with a learned "
                          "spread); no effect on Δ; each adds 3 outputs and their parameters to the last layer.",
    "initial_conv_width": "Width of the first causal convolution on the raw input; adds width − 1 "
                          "samples to Δ and a few parameters.",
    "use_bias": "Give every convolution a learnable offset; no effect on Δ, adds a handful of parameters.",
    "sample_rate": "Samples per second the model works at (taken from the dataset); changes Δ in "
                   "milliseconds, not in samples, and not the parameters.",
    "global_condition_classes": "Number of labels (e.g. words) the model can be asked to say, 0 for "
                                "none; no effect on Δ, adds parameters (an embedding and a 1×1 conv per layer).",
    "global_condition_channels": "Size of each label's embedding; no effect on Δ, parameters grow in "
                                 "proportion when labels are used.",
    "local_condition_channels": "Channels of a time-varying conditioning input (e.g. a spectrogram), "
                                "0 for none; no effect on Δ, adds parameters (a 1×1 conv per layer).",
    "local_condition_hop": "Audio samples per frame of the local conditioning input; no effect on Δ "
                           "or parameters.",
    "labels": "Names of the labels, comma-separated; their number must equal the label classes. "
              "No effect on Δ or parameters.",
}
