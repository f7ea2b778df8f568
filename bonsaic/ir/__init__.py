"""The graph IR: data model, text format, validation and the numpy reference simulator."""

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron, Output, State
from bonsaic.ir.simulate import SimResult, Stepper, simulate
from bonsaic.ir.text import load_ir, parse_ir, print_ir, save_ir
from bonsaic.ir.validate import IRError, validate

__all__ = [
    "Activation", "Graph", "IRError", "Neuron", "Output", "SimResult", "State", "Stepper",
    "load_ir", "parse_ir", "print_ir", "save_ir", "simulate", "validate",
]
