"""Views shared by a handler and a digest (one module per feature): neutral blocks from core.ui.

digests/ never import handlers/, so what both show of a feature lives here, beneath them.
"""
