"""Views that handlers and digests both build: one module per feature, neutral blocks from core.ui.

A view lives here only when a digest needs it too (digests never import handlers/); a view
only a handler shows stays in that handler's views module.
"""
