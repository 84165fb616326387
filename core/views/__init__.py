"""Views that a handler and a digest both show (an announcement as posted and as previewed, ...):
neutral blocks (core.ui), here so that digests/ need not import handlers/."""
