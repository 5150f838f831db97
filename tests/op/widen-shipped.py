#!/usr/bin/env python3
"""The shipped NIR network as a hint model: its hint inputs (models/FORMAT.md,
"Hint inputs") and the hint gate the GPU recipe trains added with zero
weights (cocolor_nets.widen), so it has the size and cost of a trained hint
network of the same widths and, given no hint, computes what the shipped
one does.  For the hints benchmark.

    widen-shipped.py SOURCE_ROOT OUTPUT
"""
import sys

root, output = sys.argv[1], sys.argv[2]
sys.path.insert(0, root)
from models.train import export  # noqa: E402
from models.train.checkpoints import shipped_with_hints  # noqa: E402
from models.train.cocolor_nets import HINT_CHANNELS  # noqa: E402

planes = HINT_CHANNELS["nir"]
contract = export.make_contract("nir", input_channels=1 + len(planes), input_space="nir",
                                hints=export.hint_contract(planes))
export.export_model(shipped_with_hints(gate=True)["nir"].float().eval(), output, contract, dtype="fp16")
