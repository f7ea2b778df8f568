"""Front ends for networks made by other tools (see docs/importers.md)."""

from bonsaic.importers.json_access import ImportFormatError
from bonsaic.importers.rnnviz import import_rnnviz, load_rnnviz

__all__ = ["ImportFormatError", "import_rnnviz", "load_rnnviz"]
