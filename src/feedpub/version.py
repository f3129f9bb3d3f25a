"""feedpub's version: a module of its own, so that modules needing it do not
import the package (whose __init__ imports the pipeline: a cycle)."""

__version__ = "0.1.0"
