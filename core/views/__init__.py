"""Views that handlers and digests share, one module per feature: a digest builds what it sends
from here, never from handlers/ (the arrows point one way: handlers and digests -> core)."""
