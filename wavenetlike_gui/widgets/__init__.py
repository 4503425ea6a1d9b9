"""Reusable widgets: waveform view, ACF plot, receptive-field diagram, readout cards."""
from .acf_plot import AcfPlot
from .readout_card import ReadoutCard, ReadoutGrid
from .receptive_field_diagram import ReceptiveFieldDiagram
from .waveform_view import WaveformView

__all__ = ["AcfPlot", "ReadoutCard", "ReadoutGrid", "ReceptiveFieldDiagram", "WaveformView"]
