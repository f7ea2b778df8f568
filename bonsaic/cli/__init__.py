"""The ``bonsaic`` command line: one thin module per command, assembled in :mod:`bonsaic.cli.main`."""
